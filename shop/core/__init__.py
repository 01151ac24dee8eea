"""Pure-Python building blocks (money, Korean identifiers, text, HTML) shared by every domain.

Nothing here imports Flask or a domain package, so it can be tested and reused on its own.
"""
