"""Accounts over HTTP and a real SMTP server (issue 20), one module per subject: passwords (invitations, resets and
the policy), the second factor (login, recovery codes, Mijn account), administration (/beheer, its audit rows and
the users command) and account mail in the user's language. The steps they share are in helpers.py, their
fixtures in conftest.py."""
