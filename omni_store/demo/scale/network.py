"""The network: the new stores and warehouses with their zones, staff and shuttle routes."""
from collections import defaultdict

from sqlalchemy import select

from omni_store.auth.models import Role, User
from omni_store.demo import network_data, people_data, scale_data, seed
from omni_store.demo.scale.existing import Chain, Place
from omni_store.demo.scale.terms import ChainSize
from omni_store.demo.scale.timetables import Route
from omni_store.demo.scale.writing import Writer
from omni_store.network.geo import haversine_km
from omni_store.network.models import Location, LocationKind, ShuttleRoute, Zone, ZoneKind

# Each new store is linked by shuttle to this many of its nearest stores (both ways).
SHUTTLE_NEIGHBOURS = 3


class Network:
    """Every active location of the grown chain, and the routes between them."""

    def __init__(self, chain: Chain, writer: Writer):
        self.chain, self.writer = chain, writer

    def build(self, size: ChainSize, rng, phase) -> None:
        self.places = self.chain.places()
        taken_codes = set(self.chain.scalars(select(Location.code)))
        taken_domains = {email.split("@")[1] for email in self.chain.scalars(select(User.email))}
        new_stores = scale_data.store_sites(max(0, size.stores - self.chain.counts["stores"]),
                                            taken_codes, taken_domains, rng)
        new_warehouses = scale_data.warehouse_sites(
            max(0, size.warehouses - self.chain.counts["warehouses"]), taken_codes)
        location_ids = self.writer.ids(Location)
        rows = []
        with phase("Stores and warehouses", len(new_stores) + len(new_warehouses)) as bar:
            for site in new_stores:
                fields = seed._location_fields(site.row, LocationKind.STORE) | dict(
                    does_pickup=site.row.does_pickup, does_ship_from_store=site.row.does_ship_from_store,
                    daily_ship_capacity=site.row.daily_ship_capacity)
                rows.append(self._location(next(location_ids), fields, site.size, site.row))
            for site in new_warehouses:
                rows.append(self._location(next(location_ids),
                                           seed._location_fields(site, LocationKind.WAREHOUSE), 1.0))
            columns = ("id", "code", "name", "kind", "address", "city", "latitude", "longitude",
                       "timezone", "opening_hours", "does_pickup", "does_ship_from_store",
                       "daily_ship_capacity", "lead_time_days", "active")
            self.writer.insert(Location, columns, (tuple(r[c] for c in columns) for r, _p, _s in rows))
            self._write_zones(rows)
            self._write_staff([(place, site) for _r, place, site in rows if site is not None])
            self.by_id = {place.id: place for place in self.places}
            self.stores = [p for p in self.places if p.is_store]
            self.warehouses = [p for p in self.places if p.kind == LocationKind.WAREHOUSE]
            self.suppliers = [p for p in self.places if p.kind == LocationKind.SUPPLIER]
            self._build_routes()
            bar.update(len(rows))

    def _location(self, location_id: int, fields: dict, size: float, site=None):
        row = dict(fields, id=location_id, lead_time_days=0, active=True)
        row.setdefault("does_pickup", False)
        row.setdefault("does_ship_from_store", False)
        row.setdefault("daily_ship_capacity", 0)
        place = Place(location_id, row["code"], row["kind"], row["latitude"], row["longitude"],
                      row["opening_hours"], row["timezone"], row["does_pickup"],
                      row["does_ship_from_store"], 0, row["city"], size=size, is_new=True)
        self.places.append(place)
        return row, place, site

    def _write_zones(self, rows) -> None:
        zone_ids = self.writer.ids(Zone)
        zones = []
        for _row, place, site in rows:
            layout = network_data.STORE_ZONES if site is not None else network_data.WAREHOUSE_ZONES
            wanted = [dict(code=f"{place.code}-{suffix}", kind=kind, name=name, slot_number=None,
                           capacity=None) for suffix, kind, name in layout]
            wanted += seed._hold_slots(site) if site is not None else []
            for zone in wanted:
                zone_id = next(zone_ids)
                place.zone_ids[zone["code"].removeprefix(f"{place.code}-")] = zone_id
                if zone["kind"] == ZoneKind.HOLD:
                    place.hold_slots.append([zone_id, zone["capacity"]])
                zones.append((zone_id, place.id, zone["kind"], zone["code"], zone["name"],
                              zone["slot_number"], zone["capacity"]))
        self.writer.insert(Zone, ("id", "location_id", "kind", "code", "name", "slot_number", "capacity"),
                           zones)

    def _write_staff(self, stores: list[tuple[Place, network_data.StoreRow]]) -> None:
        """An associate and a manager per new store, with the demo password (hashed once)."""
        if not stores:
            return
        password_hash = seed._demo_password_hash()
        user_ids = self.writer.ids(User)
        users = []
        for place, site in stores:
            for email, name, role in (
                (people_data.associate_email(site), site.associate, Role.ASSOCIATE),
                (people_data.manager_email(site), site.manager, Role.MANAGER),
            ):
                user_id = next(user_ids)
                users.append((user_id, email, name, password_hash, role, place.id, True, 1))
                if role == Role.ASSOCIATE:
                    place.associates.append(user_id)
        self.writer.insert(User, ("id", "email", "name", "password_hash", "role", "store_id", "active",
                                  "session_version"), users)

    def _build_routes(self) -> None:
        """Shuttles between each new store and its nearest stores; one warehouse per new store."""
        t = ShuttleRoute.__table__
        self.routes: dict[tuple[int, int], Route] = {}
        for row in self.chain.conn.execute(select(t).where(t.c.active.is_(True))):
            if row.origin_id in self.by_id and row.destination_id in self.by_id:
                self.routes[(row.origin_id, row.destination_id)] = Route(
                    row.id, self.by_id[row.origin_id], self.by_id[row.destination_id],
                    list(row.departure_times), row.transit_minutes, row.cutoff_minutes)
        route_ids = self.writer.ids(ShuttleRoute)
        new_routes = []

        def add(origin: Place, destination: Place, departures, transit, cutoff) -> None:
            if (origin.id, destination.id) in self.routes:
                return
            route = Route(next(route_ids), origin, destination, list(departures), transit, cutoff)
            self.routes[(origin.id, destination.id)] = route
            new_routes.append(route)

        for store in (s for s in self.stores if s.is_new):
            for other, km in nearest(store, self.stores, SHUTTLE_NEIGHBOURS):
                departures, transit, cutoff = _shuttle_timing(km)
                add(store, other, departures, transit, cutoff)
                add(other, store, departures, transit, cutoff)
            if self.warehouses:
                warehouse, km = nearest(store, self.warehouses, 1)[0]
                add(warehouse, store, network_data.WAREHOUSE_DEPARTURES, _minutes(km, 70, 30),
                    network_data.WAREHOUSE_CUTOFF_MINUTES)
        self.writer.insert(ShuttleRoute, ("id", "origin_id", "destination_id", "departure_times",
                                          "transit_minutes", "cutoff_minutes", "active"),
                           ((r.id, r.origin.id, r.destination.id, r.departure_times, r.transit_minutes,
                             r.cutoff_minutes, True) for r in new_routes))
        self.neighbours: dict[int, list[Route]] = defaultdict(list)  # store id -> routes into it
        self.warehouse_of: dict[int, Route] = {}
        for route in self.routes.values():
            if route.origin.is_store and route.destination.is_store:
                self.neighbours[route.destination.id].append(route)
            elif route.origin.kind == LocationKind.WAREHOUSE and route.destination.is_store:
                self.warehouse_of[route.destination.id] = route


def nearest(place: Place, among: list[Place], how_many: int) -> list[tuple[Place, float]]:
    by_distance = sorted(
        ((haversine_km(place.latitude, place.longitude, other.latitude, other.longitude), other.id,
          other) for other in among if other.id != place.id))
    return [(other, km) for km, _id, other in by_distance[:how_many]]


def _minutes(km: float, speed_kmh: float, handling: int) -> int:
    """Transit time, rounded to 5 minutes."""
    return max(15, int(round((km / speed_kmh * 60 + handling) / 5)) * 5)


def _shuttle_timing(km: float) -> tuple[list[str], int, int]:
    """(departures, transit minutes, cut-off minutes) of a store-to-store van by its distance."""
    if km <= 30:
        return ["11:00", "16:00"], _minutes(km, 40, 10), 30
    if km <= 120:
        return ["10:30"], _minutes(km, 60, 15), 45
    return ["07:00"], _minutes(km, 75, 20), 60  # the long run leaves early, arrives the same day
