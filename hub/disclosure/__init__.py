"""Government information disclosure (政府信息公开): requests for information (依申请公开)
on the statutory clock, and the annual report in the national format of 2021."""
