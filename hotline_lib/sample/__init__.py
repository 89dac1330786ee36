"""The generated sample data: realistic exports of 芙蓉区 whose December 2020 reproduces the published bulletin."""
