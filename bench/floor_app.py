"""The floors `make bench` compares the app with, served by the same gunicorn command.

    GET /                 a constant string: what Flask and gunicorn cost by themselves
    GET /availability?sku=...
                          the availability read as raw SQL through the app's own driver
                          (sqlite3 or psycopg 3): the product's stock levels at the active
                          locations joined to the location, the web buffers, ATP in Python;
                          it answers the chain's web ATP and how many locations hold the
                          product (the read, not the size of a response listing them all)

DATABASE_URL is the app's (sqlite:///path or postgresql+psycopg://...). One connection
per worker process, opened on its first request (after gunicorn forked it).
"""
import os
import sqlite3

import psycopg
from flask import Flask, abort, jsonify, request

app = Flask(__name__)

LEVELS_SQL = """
SELECT l.id, s.on_hand, s.allocated, p.id, p.category
FROM product p
JOIN stock_level s ON s.product_id = p.id
JOIN location l ON l.id = s.location_id
WHERE p.sku = {mark} AND l.active AND s.on_hand > 0
"""
BUFFERS_SQL = """
SELECT location_id, product_id, category, quantity FROM buffer
WHERE channel = 'web' AND (product_id IS NULL OR product_id = {mark})
  AND (category IS NULL OR category = {mark})
"""

_connection = None


def _connect():
    url = os.environ["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        return connection, "?"
    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True), "%s"


def _query(sql: str, *params) -> list[tuple]:
    global _connection
    if _connection is None:
        _connection = _connect()
    connection, mark = _connection
    return connection.execute(sql.format(mark=mark), params).fetchall()


@app.get("/")
def constant():
    return "ok"


@app.get("/availability")
def availability():
    sku = request.args.get("sku", "")
    levels = _query(LEVELS_SQL, sku)
    if not levels:
        abort(404)
    product_id, category = levels[0][3], levels[0][4]
    buffers = _query(BUFFERS_SQL, product_id, category)

    def buffer_at(location_id: int) -> int:
        # The most specific buffer wins: product, then category, then location (as the app).
        matching = [(bool(b[1]) * 4 + bool(b[2]) * 2 + bool(b[0]), b[3]) for b in buffers
                    if b[0] in (None, location_id)]
        return max(matching, key=lambda m: m[0])[1] if matching else 0

    web_atp = sum(max(on_hand - allocated - buffer_at(location_id), 0)
                  for location_id, on_hand, allocated, _product, _category in levels)
    return jsonify({"sku": sku, "locations": len(levels), "web_atp": web_atp})
