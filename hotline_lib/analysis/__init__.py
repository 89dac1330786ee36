"""What a bulletin or an analyst works from: a month's figures scored and composed, trends across months."""
