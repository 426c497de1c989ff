"""EAN-13: the barcode on every product, and what a scanner types."""


def ean13_check_digit(first12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def make_ean13(first12: str) -> str:
    if len(first12) != 12 or not first12.isdecimal():
        raise ValueError("an EAN-13 starts with 12 digits")
    return first12 + ean13_check_digit(first12)


def is_valid_ean13(code: str) -> bool:
    return len(code) == 13 and code.isdecimal() and ean13_check_digit(code[:12]) == code[12]
