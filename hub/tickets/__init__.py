"""The call center (区街政务服务呼叫中心): tickets (工单) from every channel, owned by
whoever received them (首问负责), answered on a working-day clock, followed up (回访)."""
