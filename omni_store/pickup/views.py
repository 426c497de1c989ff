from flask import Blueprint

bp = Blueprint("pickup", __name__)
