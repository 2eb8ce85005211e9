"""Marshmallow schemas of the Article Facts API.

Each schema does two jobs: it validates the curated dataset when the app starts, and it
describes the API in the OpenAPI document. The data file, the responses and the document
therefore cannot disagree.
"""
