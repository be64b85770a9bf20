"""Brand-query language: parse boolean brand queries and match many brands against a mention in one pass."""

from .errors import QueryError
from .matcher import BrandMatcher, BrandRule, Query, compile_query
from .text import normalize

__all__ = ["BrandMatcher", "BrandRule", "Query", "QueryError", "compile_query", "normalize"]
