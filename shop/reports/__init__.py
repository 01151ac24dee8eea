"""Figures across the whole mall for the center's staff: which order lines count as sales (`sales`) and
the mall's members, sales, orders and waiting work for one year (`mall`). Read-only GROUP BY queries,
no Flask request or rendering in here."""
