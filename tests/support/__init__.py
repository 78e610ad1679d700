"""What the tests share: clients (HTTP ``api``, WebSocket ``ws``), the app in process or under
uvicorn (``server``), a clock the test moves (``clock``), the real services (``services``),
and the documents and helpers of each area (``chat``, ``presence``, ``receipts``, ``cluster``…).
"""
