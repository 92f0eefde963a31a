"""Secure-by-default building blocks in the manner of AWS CDK's L2 constructs."""
