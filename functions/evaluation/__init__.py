"""evaluation: outcomes of decided proposals against market prices, and the system's figures."""
