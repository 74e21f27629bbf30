"""Tiered price lists (阶梯价) per customer level and shop: `queries` quotes the price a
line should have, `actions` writes the lists."""
