"""The staff areas behind /login: the office (admin), inspectors (inspector) and producers
(producer), and what they share (sign-in, form helpers, names, charts, printing).
"""
