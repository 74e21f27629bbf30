"""The `sellerdesk` command: Django's management commands under the product's name.

`sellerdesk token create <user>`, `sellerdesk sweep --at …`, `sellerdesk serve`,
`sellerdesk migrate`, … all run through here.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sellerdesk.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["sellerdesk", *sys.argv[1:]])


if __name__ == "__main__":
    main()
