from .business_time import BusinessClock
