"""The logging client, served as one file for download (views.client_download)."""
