from flask import Blueprint

bp = Blueprint("shuttles", __name__, url_prefix="/shuttles")
