"""analysis/mapping"""
