"""Brand-query language: parse boolean brand queries and match many brands against a mention in one pass."""

from .errors import QueryError
from .fields import Subject
from .matcher import BrandMatcher, BrandRule, Query, compile_query
from .text import normalize

__all__ = ["BrandMatcher", "BrandRule", "Query", "QueryError", "Subject", "compile_query", "normalize"]
