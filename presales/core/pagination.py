"""Pagination shared by pages and the API."""

from collections.abc import Callable

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count, Window


class RankedPaginator(Paginator):
    """Pages a ranked search in two queries: the ranking, then the page's objects.

    The ranking query carries the expensive part (the free-window engineer search: thousands of
    matches scored and sorted). It runs once and narrow: keys, the queryset's annotations (the
    score and its parts) and the total by ``COUNT(*) OVER ()`` — no second ``COUNT(*)`` over the
    same filter, no joins or prefetches for display. ``load(keys)`` then fetches what the page
    shows for those keys only, and the annotations are set on the objects it returns.
    """

    def __init__(self, object_list, per_page, *, load: Callable[[list], dict], **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.load = load

    def get_page(self, number):
        # As Paginator.get_page, without validating the number first: that would count the
        # matches in a query of its own, which page() gets from the ranking.
        try:
            return self.page(number)
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            return self.page(self.num_pages)

    def page(self, number):
        wanted = self.num_pages if number == "last" else number  # "last" needs the plain count
        try:
            wanted = int(wanted)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from error
        rows = self._ranked_rows(wanted) if wanted >= 1 else []
        if not rows:
            if wanted == 1:  # no matches at all: no need to count them again
                self.__dict__["count"] = 0
                if self.allow_empty_first_page:
                    return self._get_page([], 1, self)
            return super().page(number)  # the error for a page past the end
        self.__dict__["count"] = rows[0]["_total"]  # fills the cached property
        found = self.load([row["pk"] for row in rows])
        objects = []
        for row in rows:
            obj = found.get(row["pk"])
            if obj is None:  # gone between the two queries
                continue
            for name, value in row.items():
                if name not in ("pk", "_total"):
                    setattr(obj, name, value)
            objects.append(obj)
        return self._get_page(objects, self.validate_number(wanted), self)

    def _ranked_rows(self, wanted: int) -> list[dict]:
        bottom = (wanted - 1) * self.per_page
        annotations = list(self.object_list.query.annotation_select)
        ranked = (
            self.object_list.select_related(None)
            .prefetch_related(None)
            .annotate(_total=Window(Count("pk")))
            .values("pk", "_total", *annotations)
        )
        return list(ranked[bottom : bottom + self.per_page])
