"""Reading tables: the picture-book catalogue (titles). Copies and lending build on it."""

from piccolo.columns import Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table


class Book(Table, tablename="reading_book"):
    """A title; `isbn` is always the 13-digit form."""

    id: Serial

    isbn = Varchar(length=13, unique=True)
    title = Varchar(length=200)
    authors = Varchar(length=200, default="")
    publisher = Varchar(length=100, default="")
    year = Integer(null=True, default=None)
    age_band = Varchar(length=8, default="")
    themes = Varchar(length=200, default="")
    summary = Text(default="")
    created_at = Timestamptz()
