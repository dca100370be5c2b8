import sys

from verify_web.command import main

sys.exit(main())
