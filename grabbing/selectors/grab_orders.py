"""Reads of grab orders, scoped by the user first: nobody sees another rep's orders or another
engineer's invitations unless their role covers it."""

from django.db.models import Count, Prefetch, Q, QuerySet

from grabbing.models import GrabOrder, GrabOrderStatus, Invitation, InvitationStatus, Question
from presales import access
from presales.models import Region, Skill, User


def _with_display(qs: QuerySet[GrabOrder]) -> QuerySet[GrabOrder]:
    # Constant queries whatever the page size: joins for the one-to-ones, one prefetch per set.
    return (
        qs.select_related("opportunity__owner", "solution", "winner__user", "posted_by")
        .prefetch_related(
            Prefetch("skills", queryset=Skill.objects.order_by("code")),
            Prefetch("scope_regions", queryset=Region.objects.order_by("code")),
        )
        .annotate(invited=Count("invitations", distinct=True))
    )


def grab_order_list(*, user: User) -> QuerySet[GrabOrder]:
    """Orders the user may see: a rep their own, a manager their regions', an admin all,
    an engineer those they are (or were) invited to."""
    return _with_display(GrabOrder.objects.restrict(user)).order_by("-posted_at", "-pk")


def rep_grab_orders(*, user: User) -> QuerySet[GrabOrder]:
    """The rep's own orders, newest first, with the threads of questions."""
    return (
        _with_display(GrabOrder.objects.filter(opportunity__owner=user))
        .prefetch_related(
            Prefetch("questions", queryset=Question.objects.select_related("author", "engineer__user")),
            Prefetch("invitations", queryset=Invitation.objects.select_related("engineer__user")),
        )
        .order_by("-posted_at", "-pk")
    )


LIVE = Q(status=InvitationStatus.OPEN, grab_order__status=GrabOrderStatus.OPEN) | Q(
    status=InvitationStatus.WON, grab_order__status=GrabOrderStatus.GRABBED
)


def invitation_list(*, user: User, live_only: bool = True) -> QuerySet[Invitation]:
    """The engineer's own invitations; by default those still asking something of them: open
    orders they may grab, and the one they grabbed while it waits for the rep."""
    qs = Invitation.objects.restrict(user)
    if live_only:
        qs = qs.filter(LIVE)
    return (
        qs.select_related(
            "engineer__user",
            "grab_order__opportunity__owner",
            "grab_order__solution",
            "grab_order__winner__user",
            "grab_order__posted_by",
        )
        .prefetch_related(
            Prefetch("grab_order__skills", queryset=Skill.objects.order_by("code")),
            Prefetch("grab_order__scope_regions", queryset=Region.objects.order_by("code")),
        )
        .order_by("grab_order__start", "pk")
    )


def question_thread(*, grab_order: GrabOrder, user: User) -> QuerySet[Question]:
    """The messages the user may read: the rep (or an admin) all threads of their order, an
    engineer only their own thread; anyone else nothing."""
    qs = Question.objects.filter(grab_order=grab_order).select_related("author", "engineer__user")
    if access.owns_opportunity_or_admin(user, grab_order.opportunity):
        return qs
    return qs.filter(engineer__user=user)
