"""Mail going out: composing notices as MIME messages, sending them over SMTP, drafting them as .eml files,
and the dispatch that decides, with audit.notices, what is due and records what became of it. The one place
kepu writes e-mail (reading mail is kepu.sources.mailbox)."""
