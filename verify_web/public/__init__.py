"""What shoppers see: the scan page inside every QR, the short-code home page, reporting a fake,
the located check and the public key set.
"""
