"""The catalog at chain scale, and the marketplace's sellers and offers on it."""
from array import array
from collections import defaultdict

from sqlalchemy import select

from omni_store.catalog.models import Barcode, Offer, OfferCondition, Product, Seller
from omni_store.demo import catalog_data, scale_data, stock_data
from omni_store.demo.scale.existing import Chain
from omni_store.demo.scale.terms import ChainSize
from omni_store.demo.scale.writing import Writer


class Catalog:
    """Every product of the grown chain by id (category, price), and the offers in stock."""

    def __init__(self, chain: Chain, writer: Writer):
        self.chain, self.writer = chain, writer

    def build(self, size: ChainSize, rng, phase) -> None:
        existing = self.chain.products()
        demo_rows = catalog_data.products()
        wanted = max(0, size.skus - len(existing))
        taken_skus = {sku for _id, sku, _c, _p in existing}
        taken_eans = set(self.chain.scalars(select(Barcode.code)))
        new_rows = scale_data.products(wanted, taken_skus, taken_eans, rng)
        product_ids, barcode_ids = self.writer.ids(Product), self.writer.ids(Barcode)
        products, barcodes = [], []
        with phase("Products", len(new_rows)) as bar:
            for row in new_rows:
                product_id = next(product_ids)
                products.append((product_id, row.sku, row.name, row.brand, row.category, row.price_cents))
                barcodes.append((next(barcode_ids), product_id, row.ean))
            self.writer.insert(Product, ("id", "sku", "name", "brand", "category", "price_cents"),
                               products)
            self.writer.insert(Barcode, ("id", "product_id", "code"), barcodes)
            bar.update(len(new_rows))
        # Lists indexed by product id: ~20,000 entries, read millions of times.
        last_id = max([p[0] for p in products] + [row[0] for row in existing] + [0])
        self.category_of: list[str | None] = [None] * (last_id + 1)
        self.price_of = array("i", bytes(4 * (last_id + 1)))
        for product_id, _sku, category, price in existing:
            self.category_of[product_id], self.price_of[product_id] = category, price
        for product_id, _sku, _name, _brand, category, price in products:
            self.category_of[product_id], self.price_of[product_id] = category, price
        self.sku_ids = {sku: product_id for product_id, sku, _c, _p in existing}
        self.demo_ids = [self.sku_ids[row.sku] for row in demo_rows if row.sku in self.sku_ids]
        # The story's B, C and the distributor-only PC stay where the seed put them, alone.
        self.story_only = {self.sku_ids[sku] for sku in stock_data.ONLY_AT if sku in self.sku_ids}
        self.new_by_category: dict[str, range] = {}
        for product_id, _sku, _name, _brand, category, _price in products:
            first = self.new_by_category.get(category, range(product_id, product_id)).start
            self.new_by_category[category] = range(first, product_id + 1)
        self.new_products = products

    def add_marketplace(self, size: ChainSize, rng, phase, echo) -> None:
        wanted_sellers = max(0, size.sellers - self.chain.counts["sellers"])
        profiles = scale_data.sellers(wanted_sellers, set(self.chain.scalars(select(Seller.code))), rng)
        seller_ids = self.writer.ids(Seller)
        sellers = [(next(seller_ids), profile) for profile in profiles]
        self.writer.insert(Seller, ("id", "code", "name", "rating"),
                           ((i, p.code, p.name, p.rating) for i, p in sellers))
        existing = self.chain.conn.execute(select(Offer.seller_id, Offer.product_id, Offer.condition)).all()
        taken = {(s, p, OfferCondition(c)) for s, p, c in existing}
        wanted = max(0, size.offers - len(existing))
        offer_ids = self.writer.ids(Offer)
        self.offers: dict[int, list[tuple[int, int, int]]] = defaultdict(list)  # product -> offers
        rows = []
        ranges = self.new_by_category
        if sellers and ranges:
            weights = [p.weight for _i, p in sellers]
            attempts = 0
            with phase("Marketplace offers", wanted) as bar:
                while len(rows) < wanted and attempts < wanted * 20:
                    attempts += 1
                    seller_id, profile = rng.choices(sellers, weights)[0]
                    category = rng.choice(profile.categories)
                    if category not in ranges or not ranges[category]:
                        continue
                    product_id = ranges[category][int(rng.random() * len(ranges[category]))]
                    key = (seller_id, product_id, profile.condition)
                    if key in taken:
                        continue
                    taken.add(key)
                    low, high = scale_data.OFFER_PRICE_FACTORS[profile.condition]
                    price = catalog_data._shelf_price(self.price_of[product_id] * rng.uniform(low, high))
                    stock = rng.choice(catalog_data.OFFER_STOCKS)
                    lead_time = rng.randint(1, 7)
                    offer_id = next(offer_ids)
                    rows.append((offer_id, seller_id, product_id, profile.condition, price,
                                 rng.choice(scale_data.OFFER_SHIPPING_CENTS), stock, lead_time))
                    if stock:
                        self.offers[product_id].append((offer_id, price, lead_time))
                    if len(rows) % 1000 == 0:
                        bar.update(1000)
                self.writer.insert(Offer, ("id", "seller_id", "product_id", "condition", "price_cents",
                                           "shipping_cents", "stock", "lead_time_days"), rows)
                bar.update(len(rows) % 1000)
        if len(rows) < wanted:
            echo(f"  Only {len(rows):,} of {wanted:,} new offers: the new sellers and SKUs make no "
                      "more distinct offers (ask for more sellers or SKUs).")
