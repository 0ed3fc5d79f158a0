"""Whole numbers from people and clients: ASCII digits only."""

from app.kernel.numbers import is_whole_number, whole_number


def test_only_ascii_digits_are_whole_numbers() -> None:
    assert whole_number("42") == 42
    assert whole_number("007") == 7
    for text in ["", "³", "٣", "4²", "-1", "1.0", " 1", "1e3", "１２"]:
        assert whole_number(text) is None, text
    assert is_whole_number("123456789") and not is_whole_number("1234567890")
    assert is_whole_number("1234567890", 10)
