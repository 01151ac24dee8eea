"""Imports every domain's models so that SQLAlchemy and Alembic see the whole schema."""
from shop.accounts.models import LoginSession, Role, User  # noqa: F401
from shop.audit.models import AuditEntry  # noqa: F401
from shop.catalog.models import Category, PriceTier, Product, ProductImage, ProductStatus, TaxType, Variant  # noqa: F401
from shop.curation.models import (  # noqa: F401
    ArtCollaboration,
    Artist,
    Exhibition,
    ExhibitionItem,
    ExhibitionKind,
    ExhibitionPrice,
    OrganizerType,
)
from shop.enterprises.models import (  # noqa: F401
    ApiToken,
    Enterprise,
    EnterpriseInvitation,
    EnterpriseType,
    SocialValueArea,
    SocialValueRecord,
)
from shop.institutions.models import Institution, InstitutionAddress, InstitutionKind  # noqa: F401
from shop.search.models import ProductSearch  # noqa: F401
from shop.site.models import SiteSetting  # noqa: F401
from shop.cart.models import Cart, CartItem  # noqa: F401
from shop.orders.models import Order, OrderEvent, OrderItem, SavedAddress, Shipment  # noqa: F401
from shop.payments.models import Payment, Refund, WebhookEvent  # noqa: F401
from shop.reviews.models import Review  # noqa: F401
from shop.procurement.models import Inspection, Quote, QuoteEvent, QuoteLine, Settlement, TaxInvoice  # noqa: F401
