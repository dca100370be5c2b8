"""The application layer: the use cases that join the registry (traceability), the label codec
(labels) and the keys — verify a scan, issue and reprint a run, claim a label. It imports only
keys, labels and traceability; verify_web (pages, API, the ocop command) calls it. A top-level
package because both the web app and the command use it, and it must not need Flask.
"""
