from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SALES = "sales", _("Sales rep")
    ENGINEER = "engineer", _("Engineer")
    MANAGER = "manager", _("Manager")
    LEAD = "lead", _("Delivery-centre lead")
    ADMIN = "admin", _("Administrator")


class CustomerTier(models.TextChoices):
    A = "A", _("A · strategic")
    B = "B", _("B · key")
    C = "C", _("C")
    D = "D", _("D")


class ProjectClass(models.TextChoices):
    A = "A", _("Class A")
    B = "B", _("Class B")
    C = "C", _("Class C")
    D = "D", _("Class D")
    E = "E", _("Class E")


# The classes of opportunity a delivery centre serves (tiered support, domain §1): its lead
# directs that work and the centre's engineers may be booked for it without an escalation.
DELIVERY_CENTRE_CLASSES = (ProjectClass.A, ProjectClass.B)


class PresalesStage(models.TextChoices):
    QUALIFICATION = "qualification", _("Qualification")
    VALUE_PRESENTATION = "value_presentation", _("Value presentation")
    BID_PREPARATION = "bid_preparation", _("Bid preparation")
    BIDDING = "bidding", _("Bidding")


# Stages in which engineers may be dispatched: everything after qualification.
DISPATCHABLE_STAGES = (
    PresalesStage.VALUE_PRESENTATION,
    PresalesStage.BID_PREPARATION,
    PresalesStage.BIDDING,
)


class Activity(models.TextChoices):
    EXCHANGE = "exchange", _("Customer exchange")
    WORKSHOP = "workshop", _("Workshop")
    CASE_VISIT = "case_visit", _("Case visit")
    POC = "poc", _("Proof of concept")
    SOLUTION_DESIGN = "solution_design", _("Solution design")
    BID_WRITING = "bid_writing", _("Bid writing")
    BIDDING = "bidding", _("Bidding")
    OTHER = "other", _("Other")


# Resource types are codes on the rate card (an admin may add one); the known ones read as
# words in either language, an unknown one as its code made readable.
RESOURCE_TYPE_LABELS = {
    "architect": _("Solution architect"),
    "presales": _("Presales engineer"),
    "test": _("Test engineer"),
    "delivery_pm": _("Delivery PM"),
    "pm": _("Project manager"),
}


def resource_type_label(code: str) -> str:
    if code in RESOURCE_TYPE_LABELS:
        return str(RESOURCE_TYPE_LABELS[code])
    return code.replace("_", " ").capitalize()
