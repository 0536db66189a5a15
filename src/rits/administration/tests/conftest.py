from rits.notifications.tests.test_mail import smtp  # noqa: F401  (a real SMTP server)
