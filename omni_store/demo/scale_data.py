"""What a chain-scale Maison Omni is made of: cities, sites, names and product families.

`flask demo scale` (omni_store/demo/scale/) grows the demo chain with these tables.
Cities and their coordinates are real places; the shops, people, brands' models and
sellers are not. Brands, categories and price ranges are the demo catalog's own.
"""
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from math import exp, log
from random import Random

from omni_store.catalog.barcodes import make_ean13
from omni_store.catalog.models import OfferCondition
from omni_store.demo import catalog_data, network_data
from omni_store.demo.catalog_data import ProductRow

# --- stores ------------------------------------------------------------------------------

# The sites of a city with several stores, when the table names none.
DEFAULT_SITES = ("Centre", "Gare", "Centre commercial", "Zone commerciale", "Université", "Port")
# Shopping centres open on Sundays (network_data.MALL_HOURS), stations too (TOURIST_HOURS).
MALL_WORDS = ("Centre commercial", "Zone commerciale", "Atlantis", "Odysseum", "Polygone",
              "Cap 3000", "Nice Étoile", "Rivetoile", "Euralille", "V2", "Englos", "Soleil",
              "Rives", "Terrasses", "Valentine", "Grand Littoral", "Paridis", "Colombia",
              "Labège", "Blagnac", "Compans", "Beaulieu", "Mériadeck", "Lac", "Alma")
STATION_WORDS = ("Gare",)

# (city, postcode, latitude, longitude, number of stores or the names of their sites)
# fmt: off
CITIES = (
    ("Paris", "75008", 48.8763, 2.3253, ("Saint-Lazare",)),
    ("Paris", "75012", 48.8443, 2.3744, ("Gare de Lyon",)),
    ("Paris", "75013", 48.8310, 2.3560, ("Italie",)),
    ("Paris", "75017", 48.8840, 2.3200, ("Batignolles",)),
    ("Paris", "75016", 48.8580, 2.2790, ("Passy",)),
    ("Paris", "75020", 48.8720, 2.3870, ("Belleville",)),
    ("Lyon", "69002", 45.7578, 4.8320,
     ("Bellecour", "Part-Dieu", "Confluence", "Vaise", "Croix-Rousse", "Gerland")),
    ("Marseille", "13001", 43.2965, 5.3698,
     ("Vieux-Port", "Canebière", "Prado", "Terrasses du Port", "La Valentine", "Grand Littoral")),
    ("Bordeaux", "33000", 44.8378, -0.5792,
     ("Sainte-Catherine", "Mériadeck", "Bordeaux Lac", "Mérignac Soleil", "Bègles Rives d'Arcins")),
    ("Lille", "59000", 50.6292, 3.0573,
     ("Grand Place", "Euralille", "V2 Villeneuve-d'Ascq", "Englos", "Lomme")),
    ("Toulouse", "31000", 43.6047, 1.4442,
     ("Capitole", "Saint-Cyprien", "Blagnac", "Labège", "Compans-Caffarelli")),
    ("Nice", "06000", 43.7102, 7.2620, ("Masséna", "Jean Médecin", "Nice Étoile", "Cap 3000")),
    ("Nantes", "44000", 47.2184, -1.5536, ("Commerce", "Atlantis", "Beaulieu", "Paridis")),
    ("Strasbourg", "67000", 48.5734, 7.7521,
     ("Kléber", "Rivetoile", "Hautepierre", "Place des Halles")),
    ("Montpellier", "34000", 43.6108, 3.8767,
     ("Comédie", "Odysseum", "Polygone", "Saint-Jean-de-Védas")),
    ("Rennes", "35000", 48.1173, -1.6778, ("République", "Colombia", "Alma")),
    ("Grenoble", "38000", 45.1885, 5.7245, 3),
    ("Reims", "51100", 49.2583, 4.0317, 2),
    ("Le Havre", "76600", 49.4944, 0.1079, 2),
    ("Saint-Étienne", "42000", 45.4397, 4.3872, 2),
    ("Toulon", "83000", 43.1242, 5.9280, 2),
    ("Dijon", "21000", 47.3220, 5.0415, 2),
    ("Angers", "49000", 47.4784, -0.5632, 2),
    ("Nîmes", "30000", 43.8367, 4.3601, 2),
    ("Villeurbanne", "69100", 45.7719, 4.8902, 1),
    ("Clermont-Ferrand", "63000", 45.7772, 3.0870, 2),
    ("Le Mans", "72000", 48.0061, 0.1996, 2),
    ("Aix-en-Provence", "13100", 43.5297, 5.4474, 2),
    ("Brest", "29200", 48.3904, -4.4861, 2),
    ("Tours", "37000", 47.3941, 0.6848, 2),
    ("Amiens", "80000", 49.8941, 2.2958, 2),
    ("Limoges", "87000", 45.8336, 1.2611, 2),
    ("Annecy", "74000", 45.8992, 6.1294, 2),
    ("Perpignan", "66000", 42.6887, 2.8948, 2),
    ("Metz", "57000", 49.1193, 6.1757, 2),
    ("Besançon", "25000", 47.2378, 6.0241, 2),
    ("Orléans", "45000", 47.9030, 1.9093, 2),
    ("Rouen", "76000", 49.4432, 1.0999, 2),
    ("Caen", "14000", 49.1829, -0.3707, 2),
    ("Nancy", "54000", 48.6921, 6.1844, 2),
    ("Mulhouse", "68100", 47.7508, 7.3359, 1),
    ("Roubaix", "59100", 50.6942, 3.1746, 1),
    ("Tourcoing", "59200", 50.7239, 3.1612, 1),
    ("Avignon", "84000", 43.9493, 4.8055, 2),
    ("Poitiers", "86000", 46.5802, 0.3404, 1),
    ("La Rochelle", "17000", 46.1603, -1.1511, 2),
    ("Pau", "64000", 43.2951, -0.3708, 1),
    ("Calais", "62100", 50.9513, 1.8587, 1),
    ("Cannes", "06400", 43.5528, 7.0174, 1),
    ("Antibes", "06600", 43.5808, 7.1251, 1),
    ("Béziers", "34500", 43.3442, 3.2158, 1),
    ("Saint-Nazaire", "44600", 47.2735, -2.2138, 1),
    ("Colmar", "68000", 48.0794, 7.3585, 1),
    ("Bourges", "18000", 47.0810, 2.3988, 1),
    ("Quimper", "29000", 47.9960, -4.1024, 1),
    ("Valence", "26000", 44.9334, 4.8924, 1),
    ("Troyes", "10000", 48.2973, 4.0744, 1),
    ("Chambéry", "73000", 45.5646, 5.9178, 1),
    ("Niort", "79000", 46.3237, -0.4588, 1),
    ("Lorient", "56100", 47.7483, -3.3700, 1),
    ("Vannes", "56000", 47.6582, -2.7608, 1),
    ("Saint-Malo", "35400", 48.6493, -2.0257, 1),
    ("Bayonne", "64100", 43.4929, -1.4748, 1),
    ("Ajaccio", "20000", 41.9192, 8.7386, 1),
    ("Bastia", "20200", 42.6977, 9.4508, 1),
    ("Dunkerque", "59140", 51.0343, 2.3768, 1),
    ("Valenciennes", "59300", 50.3570, 3.5235, 1),
    ("Arras", "62000", 50.2910, 2.7775, 1),
    ("Douai", "59500", 50.3714, 3.0800, 1),
    ("Lens", "62300", 50.4322, 2.8333, 1),
    ("Beauvais", "60000", 49.4300, 2.0810, 1),
    ("Compiègne", "60200", 49.4179, 2.8261, 1),
    ("Saint-Quentin", "02100", 49.8465, 3.2876, 1),
    ("Charleville-Mézières", "08000", 49.7621, 4.7263, 1),
    ("Châlons-en-Champagne", "51000", 48.9566, 4.3631, 1),
    ("Épinal", "88000", 48.1724, 6.4496, 1),
    ("Thionville", "57100", 49.3579, 6.1683, 1),
    ("Belfort", "90000", 47.6397, 6.8638, 1),
    ("Montbéliard", "25200", 47.5100, 6.7986, 1),
    ("Mâcon", "71000", 46.3069, 4.8287, 1),
    ("Chalon-sur-Saône", "71100", 46.7806, 4.8539, 1),
    ("Nevers", "58000", 46.9896, 3.1590, 1),
    ("Auxerre", "89000", 47.7982, 3.5673, 1),
    ("Bourg-en-Bresse", "01000", 46.2052, 5.2255, 1),
    ("Roanne", "42300", 46.0342, 4.0722, 1),
    ("Vienne", "38200", 45.5255, 4.8741, 1),
    ("Villefranche-sur-Saône", "69400", 45.9896, 4.7186, 1),
    ("Annemasse", "74100", 46.1934, 6.2342, 1),
    ("Thonon-les-Bains", "74200", 46.3705, 6.4792, 1),
    ("Aurillac", "15000", 44.9264, 2.4396, 1),
    ("Le Puy-en-Velay", "43000", 45.0434, 3.8850, 1),
    ("Vichy", "03200", 46.1277, 3.4260, 1),
    ("Montluçon", "03100", 46.3404, 2.6031, 1),
    ("Moulins", "03000", 46.5660, 3.3325, 1),
    ("Châteauroux", "36000", 46.8103, 1.6913, 1),
    ("Blois", "41000", 47.5861, 1.3359, 1),
    ("Chartres", "28000", 48.4439, 1.4890, 1),
    ("Évreux", "27000", 49.0241, 1.1508, 1),
    ("Cherbourg-en-Cotentin", "50100", 49.6337, -1.6222, 1),
    ("Saint-Lô", "50000", 49.1157, -1.0907, 1),
    ("Alençon", "61000", 48.4320, 0.0910, 1),
    ("Laval", "53000", 48.0707, -0.7734, 1),
    ("Cholet", "49300", 47.0600, -0.8786, 1),
    ("La Roche-sur-Yon", "85000", 46.6705, -1.4260, 1),
    ("Saint-Brieuc", "22000", 48.5141, -2.7603, 1),
    ("Angoulême", "16000", 45.6484, 0.1562, 1),
    ("Périgueux", "24000", 45.1840, 0.7218, 1),
    ("Brive-la-Gaillarde", "19100", 45.1590, 1.5331, 1),
    ("Agen", "47000", 44.2033, 0.6163, 1),
    ("Mont-de-Marsan", "40000", 43.8902, -0.4999, 1),
    ("Tarbes", "65000", 43.2328, 0.0781, 1),
    ("Montauban", "82000", 44.0176, 1.3550, 1),
    ("Albi", "81000", 43.9289, 2.1464, 1),
    ("Rodez", "12000", 44.3506, 2.5750, 1),
    ("Cahors", "46000", 44.4475, 1.4419, 1),
    ("Carcassonne", "11000", 43.2130, 2.3491, 1),
    ("Narbonne", "11100", 43.1843, 3.0031, 1),
    ("Sète", "34200", 43.4028, 3.6970, 1),
    ("Alès", "30100", 44.1250, 4.0817, 1),
    ("Arles", "13200", 43.6766, 4.6278, 1),
    ("Salon-de-Provence", "13300", 43.6403, 5.0973, 1),
    ("Aubagne", "13400", 43.2928, 5.5707, 1),
    ("Fréjus", "83600", 43.4330, 6.7370, 1),
    ("Hyères", "83400", 43.1204, 6.1286, 1),
    ("Gap", "05000", 44.5594, 6.0786, 1),
    ("Menton", "06500", 43.7747, 7.4975, 1),
    ("Grasse", "06130", 43.6580, 6.9225, 1),
    ("Draguignan", "83300", 43.5366, 6.4646, 1),
    ("Montélimar", "26200", 44.5581, 4.7509, 1),
    ("Orange", "84100", 44.1381, 4.8075, 1),
    ("Carpentras", "84200", 44.0556, 5.0481, 1),
    ("Biarritz", "64200", 43.4832, -1.5586, 1),
    ("Arcachon", "33120", 44.6586, -1.1689, 1),
    ("Libourne", "33500", 44.9153, -0.2439, 1),
    ("Rochefort", "17300", 45.9421, -0.9588, 1),
    ("Saintes", "17100", 45.7464, -0.6333, 1),
    ("Cognac", "16100", 45.6958, -0.3287, 1),
    ("Châtellerault", "86100", 46.8178, 0.5461, 1),
    ("Saumur", "49400", 47.2600, -0.0769, 1),
    ("Vierzon", "18100", 47.2219, 2.0689, 1),
    ("Dax", "40100", 43.7102, -1.0536, 1),
    ("Lunel", "34400", 43.6757, 4.1357, 1),
    ("Istres", "13800", 43.5151, 4.9895, 1),
    ("Martigues", "13500", 43.4053, 5.0476, 1),
    ("La Ciotat", "13600", 43.1748, 5.6046, 1),
    ("Sens", "89100", 48.1975, 3.2833, 1),
    ("Soissons", "02200", 49.3817, 3.3236, 1),
    ("Laon", "02000", 49.5641, 3.6199, 1),
    ("Abbeville", "80100", 50.1054, 1.8332, 1),
    ("Dieppe", "76200", 49.9225, 1.0781, 1),
    ("Fécamp", "76400", 49.7578, 0.3747, 1),
    ("Lisieux", "14100", 49.1466, 0.2262, 1),
    ("Bayeux", "14400", 49.2764, -0.7024, 1),
    ("Granville", "50400", 48.8380, -1.5970, 1),
    ("Fougères", "35300", 48.3524, -1.1994, 1),
    ("Vitré", "35500", 48.1236, -1.2089, 1),
    ("Lannion", "22300", 48.7325, -3.4566, 1),
    ("Morlaix", "29600", 48.5775, -3.8280, 1),
    ("Concarneau", "29900", 47.8753, -3.9189, 1),
    ("Pontivy", "56300", 48.0683, -2.9628, 1),
    ("Redon", "35600", 47.6517, -2.0842, 1),
    ("Ancenis", "44150", 47.3658, -1.1775, 1),
    ("Les Sables-d'Olonne", "85100", 46.4967, -1.7833, 1),
    ("Royan", "17200", 45.6247, -1.0289, 1),
    ("Bergerac", "24100", 44.8519, 0.4825, 1),
    ("Sarlat-la-Canéda", "24200", 44.8890, 1.2165, 1),
    ("Figeac", "46100", 44.6086, 2.0317, 1),
    ("Millau", "12100", 44.0983, 3.0781, 1),
    ("Castres", "81100", 43.6060, 2.2410, 1),
    ("Foix", "09000", 42.9653, 1.6069, 1),
    ("Auch", "32000", 43.6465, 0.5855, 1),
    ("Lourdes", "65100", 43.0947, -0.0458, 1),
    ("Saint-Gaudens", "31800", 43.1078, 0.7236, 1),
    ("Mende", "48000", 44.5181, 3.5006, 1),
    ("Privas", "07000", 44.7353, 4.5992, 1),
    ("Aubenas", "07200", 44.6200, 4.3900, 1),
    ("Romans-sur-Isère", "26100", 45.0433, 5.0517, 1),
    ("Voiron", "38500", 45.3642, 5.5889, 1),
    ("Albertville", "73200", 45.6758, 6.3925, 1),
    ("Aix-les-Bains", "73100", 45.6886, 5.9153, 1),
    ("Oyonnax", "01100", 46.2561, 5.6556, 1),
    ("Lons-le-Saunier", "39000", 46.6744, 5.5544, 1),
    ("Dole", "39100", 47.0922, 5.4897, 1),
    ("Pontarlier", "25300", 46.9044, 6.3547, 1),
    ("Vesoul", "70000", 47.6197, 6.1544, 1),
    ("Chaumont", "52000", 48.1111, 5.1392, 1),
    ("Saint-Dizier", "52100", 48.6383, 4.9497, 1),
    ("Bar-le-Duc", "55000", 48.7727, 5.1600, 1),
    ("Verdun", "55100", 49.1598, 5.3844, 1),
    ("Lunéville", "54300", 48.5894, 6.4964, 1),
    ("Saint-Dié-des-Vosges", "88100", 48.2847, 6.9492, 1),
    ("Sarreguemines", "57200", 49.1100, 7.0683, 1),
    ("Forbach", "57600", 49.1872, 6.8961, 1),
    ("Haguenau", "67500", 48.8156, 7.7906, 1),
    ("Sélestat", "67600", 48.2594, 7.4542, 1),
    ("Saint-Germain-en-Laye", "78100", 48.8989, 2.0938, 1),
    ("Argenteuil", "95100", 48.9472, 2.2467, 1),
    ("Cergy", "95000", 49.0364, 2.0761, 2),
    ("Évry-Courcouronnes", "91000", 48.6290, 2.4410, 1),
    ("Massy", "91300", 48.7309, 2.2713, 1),
    ("Vélizy-Villacoublay", "78140", 48.7826, 2.1920, ("Centre commercial",)),
    ("Rosny-sous-Bois", "93110", 48.8746, 2.4860, ("Centre commercial",)),
    ("Serris", "77700", 48.8540, 2.7830, ("Centre commercial",)),
    ("Noisy-le-Grand", "93160", 48.8486, 2.5526, 1),
    ("Aulnay-sous-Bois", "93600", 48.9386, 2.4936, 1),
    ("Thiais", "94320", 48.7650, 2.3920, ("Centre commercial",)),
    ("Melun", "77000", 48.5421, 2.6554, 1),
    ("Montigny-le-Bretonneux", "78180", 48.7711, 2.0333, 1),
    ("Issy-les-Moulineaux", "92130", 48.8245, 2.2743, 1),
    ("Levallois-Perret", "92300", 48.8950, 2.2870, 1),
    ("Montreuil", "93100", 48.8638, 2.4485, 1),
    ("Rueil-Malmaison", "92500", 48.8778, 2.1803, 1),
    ("Poissy", "78300", 48.9290, 2.0458, 1),
    ("Mantes-la-Jolie", "78200", 48.9908, 1.7172, 1),
    ("Fontainebleau", "77300", 48.4047, 2.7016, 1),
    ("Chelles", "77500", 48.8811, 2.5900, 1),
    ("Sarcelles", "95200", 48.9973, 2.3797, 1),
    ("Ivry-sur-Seine", "94200", 48.8157, 2.3849, 1),
    ("Bobigny", "93000", 48.9077, 2.4397, 1),
    ("Saint-Maur-des-Fossés", "94100", 48.7939, 2.4936, 1),
    ("Antony", "92160", 48.7539, 2.2975, 1),
    ("Rambouillet", "78120", 48.6440, 1.8290, 1),
    ("Étampes", "91150", 48.4343, 2.1615, 1),
)
# fmt: on

STREETS = (
    "rue de la République", "rue Victor Hugo", "avenue Jean Jaurès", "rue Nationale",
    "place du Marché", "boulevard Gambetta", "rue du Général de Gaulle", "cours de la Liberté",
    "rue Carnot", "rue Jean Moulin", "avenue de la Gare", "rue Pasteur", "rue Thiers",
    "avenue du Maréchal Foch", "rue du Commerce", "rue Saint-Martin", "place de l'Hôtel de Ville",
    "rue Émile Zola", "boulevard de la Liberté", "rue des Halles", "avenue de Verdun",
    "rue Sadi Carnot", "quai des Marchands", "rue Paul Bert", "rue Voltaire",
)
MALL_ADDRESSES = ("avenue de l'Europe", "route nationale 7", "rue des Frères Lumière",
                  "avenue des Champs", "boulevard de l'Industrie", "rue du Grand Pré")

# Locations of a chain-scale network that grow the demo's warehouses (network_data.WAREHOUSES):
# (code, name, address, city, latitude, longitude), in the order the chain opened them.
# fmt: off
WAREHOUSES = (
    ("WH-SQF", "Entrepôt Saint-Quentin-Fallavier", "ZAC de Chesnes, rue du Ruisseau",
     "38070 Saint-Quentin-Fallavier", 45.6440, 5.1120),
    ("WH-CES", "Entrepôt Cestas", "Parc logistique de Pot-au-Pin", "33610 Cestas", 44.7420, -0.6800),
    ("WH-MIR", "Entrepôt Miramas", "ZI Clésud, avenue de Luxembourg", "13140 Miramas", 43.5840, 5.0020),
    ("WH-LAU", "Entrepôt Lauwin-Planque", "Parc de la Plaine, rue de la Plaine",
     "59553 Lauwin-Planque", 50.3880, 3.0450),
    ("WH-SAR", "Entrepôt Saran", "Pôle 45, rue des Frères Lumière", "45770 Saran", 47.9500, 1.8750),
    ("WH-TLS", "Entrepôt Eurocentre", "Eurocentre, rue de Pologne",
     "31620 Castelnau-d'Estrétefonds", 43.7850, 1.3650),
    ("WH-RNS", "Entrepôt Cesson-Sévigné", "ZA de la Rigourdière", "35510 Cesson-Sévigné",
     48.1210, -1.6030),
    ("WH-STR", "Entrepôt Port du Rhin", "Port du Rhin, rue du Havre", "67100 Strasbourg",
     48.5700, 7.8000),
)
# fmt: on

# --- people ------------------------------------------------------------------------------

FIRST_NAMES = (
    "Camille", "Léa", "Manon", "Chloé", "Emma", "Inès", "Jade", "Louise", "Alice", "Lina",
    "Zoé", "Rose", "Anna", "Mia", "Juliette", "Clara", "Sarah", "Agathe", "Margaux", "Pauline",
    "Lucie", "Julie", "Marie", "Nathalie", "Isabelle", "Sophie", "Claire", "Élodie", "Yasmine",
    "Nour", "Hugo", "Lucas", "Théo", "Nathan", "Louis", "Gabriel", "Raphaël", "Arthur", "Jules",
    "Adam", "Maël", "Paul", "Tom", "Noah", "Ethan", "Victor", "Sacha", "Eliott", "Martin",
    "Antoine", "Thomas", "Nicolas", "Julien", "Maxime", "Kevin", "Mehdi", "Karim", "Olivier",
    "François", "Stéphane", "Yanis", "Samuel", "Benoît", "Céline",
)
LAST_NAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Lefèvre", "Mercier", "Dupont", "Lambert",
    "Bonnet", "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc",
    "Guerin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu", "Clément",
    "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin", "Masson", "Sanchez",
    "Gérard", "Nguyen", "Boyer", "Denis", "Lemaire", "Duval", "Joly", "Gautier", "Roger",
    "Haddad", "Benali", "Le Gall", "Kerjean", "Etcheverry",
)


def ascii_slug(text: str, separator: str = "-") -> str:
    """'Saint-Étienne Part-Dieu' -> 'saint-etienne-part-dieu': for codes and mail domains."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = "".join(c if c.isalnum() else " " for c in plain).split()
    return separator.join(words)


# --- the catalog -------------------------------------------------------------------------

# A chain-scale catalog in the demo's categories, in these shares.
CATEGORY_SHARES = {"phones": 0.08, "phone_cases": 0.14, "accessories": 0.26,
                   "computers": 0.10, "shoes": 0.22, "books": 0.20}
# Barcodes: the demo's GS1 company prefix family for goods, another ISBN range for books.
GOODS_EAN_PREFIX = "37700"  # + 7 digits, from 4300000 (the demo uses 3770042 + 5 digits)
GOODS_EAN_START = 4_300_000
BOOKS_EAN_PREFIX = "97823"  # + 7 digits (the demo uses 9782490 + 5 digits)

COLOURS = (("Noir", "BLK"), ("Blanc", "WHT"), ("Bleu", "BLU"), ("Vert sauge", "GRN"),
           ("Lavande", "LAV"), ("Gris ardoise", "GRY"), ("Corail", "COR"), ("Sable", "SND"),
           ("Rouge", "RED"), ("Or", "GLD"), ("Argent", "SLV"), ("Lilas", "LIL"))
PHONE_SERIES = (("X", 1.0), ("A", 0.45), ("S", 1.1), ("Note", 0.8), ("Flip", 1.25),
                ("Lite", 0.3), ("Max", 1.2), ("Go", 0.2))
PHONE_EDITIONS = (("", "", 1.0), (" Pro", "P", 1.25), (" Plus", "PL", 1.12), (" Ultra", "U", 1.4),
                  (" 5G", "5G", 1.05))
PHONE_STORAGE = ((64, 0.85), (128, 1.0), (256, 1.15), (512, 1.35))
CASE_STYLES = catalog_data.CASE_STYLES + (
    ("WAL", "Étui portefeuille", 34.90),
    ("MAG", "Coque magnétique", 34.90),
    ("RUG", "Coque antichoc", 32.90),
    ("ECO", "Coque en plastique recyclé", 27.90),
)
# (code, name, [(variant code, variant label, price factor)]); each brand makes its own.
ACCESSORY_FAMILIES = (
    ("CHG", "Chargeur secteur USB-C", (("20W", "20 W", 0.10), ("30W", "30 W", 0.13),
                                       ("45W", "45 W", 0.18), ("65W", "65 W GaN", 0.25),
                                       ("100W", "100 W GaN", 0.35))),
    ("CBL", "Câble", (("C1M", "USB-C vers USB-C 1 m", 0.06), ("C2M", "USB-C tressé 2 m", 0.08),
                      ("L1M", "USB-C vers Lightning 1 m", 0.09), ("A1M", "USB-A vers USB-C 1 m", 0.05))),
    ("PWB", "Batterie externe", (("5K", "5 000 mAh", 0.10), ("10K", "10 000 mAh", 0.14),
                                 ("20K", "20 000 mAh", 0.22), ("26K", "26 800 mAh", 0.30))),
    ("EAR", "Écouteurs sans fil", (("LT", "Lite", 0.18), ("ST", "", 0.35), ("PR", "Pro", 0.75))),
    ("HPH", "Casque", (("ON", "supra-auriculaire", 0.30), ("OV", "circum-auriculaire", 0.60),
                       ("NC", "à réduction de bruit", 1.0))),
    ("SPK", "Enceinte Bluetooth", (("MI", "Mini", 0.22), ("GO", "Go, étanche", 0.35),
                                   ("MX", "Max", 0.75))),
    ("WTC", "Montre connectée", (("40", "40 mm", 0.70), ("44", "44 mm", 0.85), ("BD", "bracelet", 0.18))),
    ("MOU", "Souris", (("WL", "sans fil", 0.10), ("SL", "silencieuse", 0.12),
                       ("GM", "gaming", 0.30))),
    ("KBD", "Clavier AZERTY", (("WL", "sans fil", 0.16), ("MC", "mécanique", 0.45),
                               ("CP", "compact", 0.20))),
    ("HUB", "Hub USB-C", (("4", "4-en-1", 0.12), ("7", "7-en-1", 0.18), ("DK", "station d'accueil", 0.55))),
    ("BAG", "Sacoche ordinateur", (("13", "13\"", 0.14), ("14", "14\"", 0.15), ("15", "15,6\"", 0.17))),
    ("MON", "Écran", (("24", "24\" Full HD", 0.60), ("27", "27\" QHD", 1.0), ("32", "32\" 4K", 1.6))),
    ("WEB", "Webcam", (("HD", "HD 720p", 0.12), ("FHD", "Full HD", 0.20), ("4K", "4K", 0.55))),
    ("SD", "Carte microSD", (("64", "64 Go", 0.05), ("128", "128 Go", 0.07), ("256", "256 Go", 0.12))),
    ("USB", "Clé USB", (("64", "64 Go", 0.05), ("128", "128 Go", 0.08), ("256", "256 Go", 0.12))),
    ("SSD", "SSD externe", (("500", "500 Go", 0.30), ("1T", "1 To", 0.40), ("2T", "2 To", 0.65))),
)
# Model names of an accessory range: "Buds Air 3", "Hub Neo 12".
ACCESSORY_SERIES = ("", "Air", "Neo", "Evo", "Plus", "S")
ACCESSORY_NUMBERS = range(1, 40)
# (code, line, brands, [(config code, label, price level)])
COMPUTER_LINES = (
    ("BK", "Book", ("Lumio", "Axento"), (("I3-8-256", "Core i3, 8 Go, SSD 256 Go", 0.45),
                                         ("I5-16-512", "Core i5, 16 Go, SSD 512 Go", 0.70),
                                         ("I7-16-1T", "Core i7, 16 Go, SSD 1 To", 0.95),
                                         ("I7-32-1T", "Core i7, 32 Go, SSD 1 To", 1.10))),
    ("AE", "Aero", ("Axento", "Lumio"), (("R5-16-512", "Ryzen 5, 16 Go, SSD 512 Go", 0.80),
                                         ("R7-16-1T", "Ryzen 7, 16 Go, SSD 1 To", 1.0),
                                         ("R7-32-1T", "Ryzen 7, 32 Go, SSD 1 To", 1.25))),
    ("NT", "Nitro", ("Kestrel",), (("R5-4050", "Ryzen 5, RTX 4050, 16 Go", 1.0),
                                   ("R7-4060", "Ryzen 7, RTX 4060, 16 Go", 1.2),
                                   ("I7-4070", "Core i7, RTX 4070, 32 Go", 1.55))),
    ("ST", "Studio", ("Kestrel", "Lumio"), (("U5-16-512", "Core Ultra 5, 16 Go, SSD 512 Go", 1.1),
                                            ("U7-32-1T", "Core Ultra 7, 32 Go, SSD 1 To", 1.5))),
    ("TW", "Tower", ("Orbis",), (("I5-16-512", "Core i5, 16 Go, SSD 512 Go", 0.75),
                                 ("I7-32-1T", "Core i7, 32 Go, SSD 1 To", 1.05))),
    ("MN", "Mini PC", ("Orbis",), (("N100-8-256", "Intel N100, 8 Go, 256 Go", 0.25),
                                   ("R7-16-512", "Ryzen 7, 16 Go, 512 Go", 0.50))),
    ("TB", "Tab", ("Nova", "Galaxis"), (("128-WIFI", "128 Go, Wi-Fi", 0.38),
                                        ("256-5G", "256 Go, 5G", 0.55))),
)
COMPUTER_SIZES = ("13", "14", "15", "16", "17")
# (code, style, gender sizes, price factor)
SHOE_STYLES = (
    ("RUN", "Running", catalog_data.MEN, 0.75), ("RUF", "Running femme", catalog_data.WOMEN, 0.75),
    ("TRL", "Trail mixte", range(38, 47), 0.70), ("DRB", "Derby cuir homme", range(40, 46), 0.90),
    ("CHF", "Chelsea boots femme", catalog_data.WOMEN, 1.0),
    ("MOC", "Mocassin homme", range(40, 46), 0.80), ("BAL", "Ballerines femme", catalog_data.WOMEN, 0.50),
    ("CNV", "Canvas basse mixte", catalog_data.MIXED, 0.40),
    ("ESP", "Espadrilles mixte", range(36, 45), 0.22), ("SNK", "Baskets enfant", catalog_data.KIDS, 0.30),
    ("BOT", "Bottines enfant", catalog_data.KIDS, 0.36), ("SAN", "Sandales femme", catalog_data.WOMEN, 0.35),
    ("RND", "Chaussures de randonnée", catalog_data.MIXED, 0.85),
    ("TEN", "Tennis cuir mixte", catalog_data.MIXED, 0.60), ("CHS", "Chaussons mixtes", catalog_data.MIXED, 0.18),
)
BOOK_SUBJECTS = (
    "Le Jardin", "La Maison", "Les Ombres", "L'Île", "Le Silence", "La Nuit", "Le Phare",
    "La Promesse", "Les Voyageurs", "La Lumière", "Le Secret", "La Saison", "Le Chemin",
    "L'Hiver", "Le Printemps", "Le Vent", "La Rivière", "Les Mémoires", "Le Dernier Été",
    "La Lettre", "L'Héritage", "Le Bal", "La Forêt", "Les Enfants", "Le Testament", "La Fugue",
)
BOOK_COMPLEMENTS = (
    "des oliviers", "de la mer", "du Nord", "d'automne", "sans retour", "de Brocéliande",
    "des anciens", "du lac", "de minuit", "des Cévennes", "du phare", "de l'Atlantique",
    "des Batignolles", "sous la neige", "de la rue des Martyrs", "des vignes", "du bout du monde",
    "de Saint-Malo", "des marées", "aux étoiles", "de l'exil", "des sœurs Delorme",
)
BOOK_SERIES = ("", ", tome 1", ", tome 2", ", tome 3")

# --- the marketplace ---------------------------------------------------------------------

SELLER_PREFIXES = ("Hexa", "Le Comptoir", "Atelier", "Maison", "Click", "Tech", "Mobi",
                   "Le Grenier", "La Boutique", "Bazar", "Digi", "Pixel", "Urban", "Nomade",
                   "Studio", "Galerie", "Planète", "Cap", "Côté", "Ô")
SELLER_SUFFIXES = ("Store", "Shop", "Market", "Discount", "Direct", "Express", "& Co",
                   "Distribution", "Outlet", "Club", "Depot", "Center")
# (name word, condition): sellers of second-hand goods say so in their name.
SECOND_HAND_SUFFIXES = (("Reconditionné", OfferCondition.REFURBISHED),
                        ("Occasion", OfferCondition.USED), ("Seconde Main", OfferCondition.USED),
                        ("Refurb", OfferCondition.REFURBISHED))
SECOND_HAND_SHARE = 0.25
OFFER_SHIPPING_CENTS = (0, 0, 390, 490, 690, 990)
# Price of an offer against the chain price, per condition.
OFFER_PRICE_FACTORS = {OfferCondition.NEW: (0.90, 1.08), OfferCondition.REFURBISHED: (0.68, 0.86),
                       OfferCondition.USED: (0.45, 0.70)}


@dataclass(frozen=True)
class SellerProfile:
    code: str
    name: str
    rating: float
    categories: tuple[str, ...]
    condition: OfferCondition
    weight: float  # share of the offers it lists


def sellers(count: int, taken_codes: set[str], rng: Random) -> list[SellerProfile]:
    """`count` new marketplace sellers, each in a few categories, a few of them large."""
    categories = tuple(CATEGORY_SHARES)
    found: list[SellerProfile] = []
    attempt = 0
    while len(found) < count:
        attempt += 1
        if rng.random() < SECOND_HAND_SHARE:
            suffix, condition = rng.choice(SECOND_HAND_SUFFIXES)
            in_categories = tuple(rng.sample(("phones", "computers", "accessories"), rng.randint(1, 2)))
        else:
            suffix, condition = rng.choice(SELLER_SUFFIXES), OfferCondition.NEW
            in_categories = tuple(rng.sample(categories, rng.randint(1, 3)))
        name = f"{rng.choice(SELLER_PREFIXES)} {suffix}"
        if attempt > len(SELLER_PREFIXES) * (len(SELLER_SUFFIXES) + len(SECOND_HAND_SUFFIXES)):
            name = f"{name} {attempt}"  # every combination is used: number the next ones
        code = ascii_slug(name)[:32]
        if code in taken_codes:
            continue
        taken_codes.add(code)
        found.append(SellerProfile(code, name, round(rng.uniform(3.4, 4.9), 1), in_categories,
                                   condition, weight=rng.paretovariate(1.2)))
    return found


# --- products ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryStyle:
    """What the demo catalog says about a category: its brands and its price range."""

    brands: tuple[str, ...]
    low_cents: int
    high_cents: int

    def price(self, factor: float) -> int:
        """A shop price at `factor` of the way up the category's range (log scale)."""
        factor = min(max(factor, 0.0), 1.0)
        low, high = log(self.low_cents), log(self.high_cents)
        return catalog_data._shelf_price(exp(low + (high - low) * factor))


def demo_category_styles() -> dict[str, CategoryStyle]:
    by_category: dict[str, list[ProductRow]] = {}
    for product in catalog_data.products():
        by_category.setdefault(product.category, []).append(product)
    return {
        category: CategoryStyle(tuple(sorted({p.brand for p in rows})),
                                min(p.price_cents for p in rows), max(p.price_cents for p in rows))
        for category, rows in by_category.items()
    }


def _code(word: str, length: int) -> str:
    return ascii_slug(word, "").upper()[:length]


# Phone makers are the brands of the demo's smartphones (not the feature phone).
SMARTPHONE_BRANDS = tuple(dict.fromkeys(
    brand for _family, brand, *_rest in catalog_data.STORY_PHONES + catalog_data.OTHER_PHONES))


def _phone_families() -> Iterator[tuple[str, str, str, float]]:
    """(family code, brand, model, price level 0..1), generation after generation."""
    for generation in range(3, 100):
        for brand in SMARTPHONE_BRANDS:
            for series, level in PHONE_SERIES:
                for edition, edition_code, edition_factor in PHONE_EDITIONS:
                    code = f"{_code(brand, 3)}{_code(series, 2)}{generation}{edition_code}"
                    name = f"{series}{generation}" if len(series) == 1 else f"{series} {generation}"
                    yield (code, brand, f"{brand} {name}{edition}",
                           min(level * edition_factor * (0.55 + generation / 60), 1.0))


def _phones(style: CategoryStyle, rng: Random) -> Iterator[tuple[str, str, str, int]]:
    for code, brand, model, level in _phone_families():
        for colour, colour_code in rng.sample(COLOURS, 3):
            for storage, storage_factor in rng.sample(PHONE_STORAGE, 2):
                yield (f"PHN-{code}-{storage}-{colour_code}", f"{model} {storage} Go {colour}", brand,
                       style.price(level * storage_factor))


def _cases(style: CategoryStyle, rng: Random) -> Iterator[tuple]:
    for code, _brand, model, _level in _phone_families():
        for style_code, label, _price in CASE_STYLES:
            colour, colour_code = rng.choice(COLOURS)
            yield (f"CAS-{code}-{style_code}-{colour_code}", f"{label} {model}, {colour.lower()}",
                   rng.choice(style.brands), style.price(rng.random()))


def _accessory_brands() -> dict[str, tuple[str, ...]]:
    """Who makes what, as in the demo: type code (ACC-<type>-...) -> its brands."""
    makers: dict[str, list[str]] = {}
    for sku, brand, _name, _price in catalog_data.ACCESSORIES:
        makers.setdefault(sku.split("-")[1], []).append(brand)
    return {kind: tuple(dict.fromkeys(brands)) for kind, brands in makers.items()}


def _accessories(style: CategoryStyle, rng: Random) -> Iterator[tuple]:
    makers = _accessory_brands()
    for number in ACCESSORY_NUMBERS:
        for series in ACCESSORY_SERIES:
            for code, name, variants in ACCESSORY_FAMILIES:
                for brand in makers.get(code, style.brands):
                    model = " ".join(part for part in (series, str(number)) if part)
                    for variant_code, variant, level in variants:
                        colour, colour_code = rng.choice(COLOURS[:4])
                        label = " ".join(part for part in (name, variant) if part)
                        yield (f"ACC-{code}-{_code(brand, 3)}{_code(series, 1)}{number}-{variant_code}-"
                               f"{colour_code}", f"{label} {brand} {model}, {colour.lower()}", brand,
                               style.price(level * rng.uniform(0.85, 1.15)))


def _computers(style: CategoryStyle, rng: Random) -> Iterator[tuple]:
    for generation in range(1, 100):
        for line_code, line, brands, configs in COMPUTER_LINES:
            for brand in brands:
                for size in COMPUTER_SIZES:
                    model = f"{brand} {line} {size} G{generation}"
                    for config_code, label, level in configs:
                        yield (f"PC-{_code(brand, 3)}{line_code}{size}G{generation}-{config_code}",
                               f"{model} — {label}", brand, style.price(level * rng.uniform(0.6, 0.8)))


def _kids_brands() -> set[str]:
    """Brands that only make children's shoes in the demo."""
    sizes_of: dict[str, list] = {}
    for _family, brand, _model, _price, sizes in catalog_data.SHOES:
        sizes_of.setdefault(brand, []).append(sizes)
    return {brand for brand, ranges in sizes_of.items() if all(r is catalog_data.KIDS for r in ranges)}


def _shoes(style: CategoryStyle, rng: Random) -> Iterator[tuple]:
    kids_brands = _kids_brands()
    for model_number in range(1, 1000):
        for brand in style.brands:
            for code, label, sizes, level in SHOE_STYLES:
                if (sizes is catalog_data.KIDS) != (brand in kids_brands):
                    continue
                price = style.price(level * rng.uniform(0.8, 1.1))
                for size in sizes:
                    yield (f"SHO-{_code(brand, 3)}{code}{model_number}-{size}",
                           f"{brand} {label} {model_number}, pointure {size}", brand, price)


def _books(style: CategoryStyle, rng: Random) -> Iterator[tuple]:
    for number in range(1, 10**7):
        author = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        title = f"{rng.choice(BOOK_SUBJECTS)} {rng.choice(BOOK_COMPLEMENTS)}{rng.choice(BOOK_SERIES)}"
        yield (f"BOK-{_code(author.split()[-1], 4)}-{number:06d}", f"{title} — {author}",
               rng.choice(style.brands), style.price(rng.random()))


def products(count: int, taken_skus: set[str], taken_eans: set[str], rng: Random) -> list[ProductRow]:
    """`count` new SKUs in the demo's categories (CATEGORY_SHARES), grouped by category.

    Books come last and take whatever a smaller family could not make."""
    styles = demo_category_styles()
    makers = {
        "phones": _phones(styles["phones"], rng),
        "phone_cases": _cases(styles["phone_cases"], rng),
        "accessories": _accessories(styles["accessories"], rng),
        "computers": _computers(styles["computers"], rng),
        "shoes": _shoes(styles["shoes"], rng),
        "books": _books(styles["books"], rng),
    }
    eans = _EanNumbers(taken_eans)
    rows: list[ProductRow] = []
    for category, quota in _quotas(count).items():
        if category == "books":
            quota = count - len(rows)
        made = 0
        for sku, name, brand, price_cents in makers[category]:
            if made == quota:
                break
            if sku in taken_skus:
                continue
            taken_skus.add(sku)
            rows.append(ProductRow(sku, name[:160], brand, category, price_cents,
                                   eans.book() if category == "books" else eans.goods()))
            made += 1
    return rows


class _EanNumbers:
    """Barcodes numbered on from the prefixes, skipping any already printed."""

    def __init__(self, taken: set[str]):
        self.taken = taken
        self.goods_number, self.book_number = GOODS_EAN_START, 0

    def goods(self) -> str:
        self.goods_number += 1
        return self._new(f"{GOODS_EAN_PREFIX}{self.goods_number:07d}") or self.goods()

    def book(self) -> str:
        self.book_number += 1
        return self._new(f"{BOOKS_EAN_PREFIX}{self.book_number:07d}") or self.book()

    def _new(self, first12: str) -> str | None:
        ean = make_ean13(first12)
        if ean in self.taken:
            return None
        self.taken.add(ean)
        return ean


def _quotas(count: int) -> dict[str, int]:
    """How many SKUs of each category make `count`, by CATEGORY_SHARES (books last)."""
    quotas = {category: int(count * share) for category, share in CATEGORY_SHARES.items()}
    books = quotas.pop("books")
    return quotas | {"books": books}


# --- network -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoreSite:
    """One chain-scale store before it has an id: a network_data.StoreRow and its size."""

    row: network_data.StoreRow
    size: float  # how much of the range it carries and how busy it is (1 = a normal shop)


SMALL_WORDS = frozenset({"DE", "DES", "DU", "LA", "LE", "LES", "SUR", "SOUS", "EN", "D", "L", "AUX"})


def _initials(text: str) -> list[str]:
    """Three-letter codes for a name, likeliest first: 'Saint-Étienne' -> SAI, SET, SEI, ..."""
    words = [w for w in ascii_slug(text, " ").upper().split() if w not in SMALL_WORDS] or ["X"]
    first, last = words[0], words[-1]
    codes = [first[:3], first[0] + last[:2], first[:2] + last[:1], first[0] + first[-1] + last[0]]
    return [code.ljust(3, "X") for code in dict.fromkeys(codes)]


def _site_code(city: str, site: str, taken: set[str]) -> str:
    """CITY-SITE, as the demo's codes (PAR-RIV): the first free of a few spellings."""
    cities, sites = _initials(city), _initials(site)
    for city_code in cities:
        for site_code in sites:
            code = f"{city_code}-{site_code}"
            if code not in taken:
                taken.add(code)
                return code
    for number in range(2, 1000):
        code = f"{cities[0]}-{sites[0][:2]}{number}"
        if code not in taken:
            taken.add(code)
            return code
    raise ValueError(f"no free store code for {city} {site}")


def _hours(site: str) -> dict:
    if any(word in site for word in MALL_WORDS):
        return network_data.MALL_HOURS
    if any(word in site for word in STATION_WORDS):
        return network_data.TOURIST_HOURS
    return network_data.CITY_HOURS


def store_sites(count: int, taken_codes: set[str], taken_domains: set[str],
                rng: Random) -> list[StoreSite]:
    """`count` stores across France, in the order of CITIES; beyond it the cities take more."""
    sites = []
    round_number = 0
    while len(sites) < count:
        round_number += 1
        for city, postcode, latitude, longitude, spots in CITIES:
            names = spots if isinstance(spots, tuple) else DEFAULT_SITES[:spots]
            if round_number > 1:  # the table is used up: a further store in each city
                names = (f"{names[0]} {round_number}",)
            for index, site in enumerate(names):
                if len(sites) == count:
                    return sites
                sites.append(_store_site(city, postcode, latitude, longitude, site,
                                         first_in_city=index == 0 and round_number == 1,
                                         taken_codes=taken_codes, taken_domains=taken_domains,
                                         rng=rng))
    return sites


def _store_site(city, postcode, latitude, longitude, site, *, first_in_city, taken_codes,
                taken_domains, rng: Random) -> StoreSite:
    code = _site_code(city, site, taken_codes)
    name = f"{city} {site}"
    domain = f"{ascii_slug(name)}.demo"
    while domain in taken_domains:
        domain = f"{ascii_slug(name)}-{rng.randint(2, 99)}.demo"
    taken_domains.add(domain)
    in_mall = _hours(site) is network_data.MALL_HOURS
    # The city centre's store sits on the city's coordinates; the others around it.
    spread = 0.0 if first_in_city else (0.05 if in_mall else 0.025)
    size = rng.choice((1.3, 1.4, 1.6)) if in_mall else rng.choice((0.7, 0.8, 0.9, 1.0, 1.0, 1.1, 1.2))
    ships = rng.random() < 0.7
    street = rng.choice(MALL_ADDRESSES if in_mall else STREETS)
    row = network_data.StoreRow(
        code=code, name=name,
        address=f"Centre commercial, {street}" if in_mall else f"{rng.randint(1, 120)} {street}",
        city=f"{postcode} {city}",
        latitude=round(latitude + rng.uniform(-spread, spread), 4),
        longitude=round(longitude + rng.uniform(-spread, spread) * 1.4, 4),
        hours=_hours(site), does_pickup=rng.random() < 0.96, does_ship_from_store=ships,
        daily_ship_capacity=rng.choice((15, 20, 25, 30, 40, 50)) if ships else 0,
        hold_slots=max(8, min(16, round(10 * size + rng.randint(-1, 2)))),
        mail_domain=domain,
        associate=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
        manager=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
    )
    return StoreSite(row, size)


def warehouse_sites(count: int, taken_codes: set[str]) -> list[network_data.SiteRow]:
    """The next `count` warehouses of WAREHOUSES not in the database yet (numbered beyond it)."""
    rows = [network_data.SiteRow(code, name, address, city, lat, lon, network_data.WAREHOUSE_HOURS)
            for code, name, address, city, lat, lon in WAREHOUSES if code not in taken_codes]
    number = 1
    while len(rows) < count:  # more than the table: a second site next to each hub
        code, name, address, city, lat, lon = WAREHOUSES[(number - 1) % len(WAREHOUSES)]
        extra = f"{code}{number}"[:16]
        number += 1
        if extra in taken_codes:
            continue
        rows.append(network_data.SiteRow(extra, f"{name} {number}", address, city, lat + 0.01,
                                         lon + 0.01, network_data.WAREHOUSE_HOURS))
    return rows[:count]
