"""Turning section records into outputs: notebooks run with papermill, HTML with nbconvert, charts, manifests, batches."""
