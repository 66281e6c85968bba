"""A question-answering bot over Chinese articles (BM25 over jieba tokens)."""

__version__ = "0.1.0"
