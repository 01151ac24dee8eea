"""Public-institution buying: quotations (견적), the invoice-order flow (검수, 세금계산서, 대금지급),
purchase documents and the social-economy purchase report."""
