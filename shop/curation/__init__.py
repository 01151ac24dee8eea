"""Exhibitions (기획전) and art-collaboration packaging showcases (아트콜라보)."""
