"""The local web app's page: the report's view model, templates and static files."""
