"""(being written for issue 15)"""

from ninja import Router

router = Router()
