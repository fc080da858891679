"""NHSV monitor: command line and settings shared by the ETL and the dashboard."""
