"""The product's figures and bounds, each once, in Python and as the ORM expression queries use:
ratings (score bounds, bad review), hours (effective and credited), utilisation, uplift. Delay
and work-order status, older, live beside them in ``dispatch/delay.py`` and
``dispatch/work_order_status.py``. ``dispatch.tests.test_rules`` holds each pair equal on both engines.
"""
