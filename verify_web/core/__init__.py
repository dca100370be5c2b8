"""The web core every area shares: configuration, the database session, security headers and CSRF,
languages, logs, metrics, outage handling, rate limits and bounds.
"""
