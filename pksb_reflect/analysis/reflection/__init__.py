"""analysis/reflection"""
