from django.core.paginator import PageNotAnInteger, Paginator
from django.db.models import Count, Window
from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class WindowCountPaginator(Paginator):
    """Counts with ``COUNT(*) OVER ()`` inside the page query: one pass over the matches.

    For lists whose filter is the expensive part (the free-window engineer search), the usual
    separate ``COUNT(*)`` evaluates it all a second time. An empty page (past the end, or no
    matches) falls back to the plain count.
    """

    def page(self, number):
        if number == "last":
            return super().page(number)
        try:
            wanted = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from error
        if wanted >= 1:
            bottom = (wanted - 1) * self.per_page
            rows = list(self.object_list.annotate(_total=Window(Count("pk")))[bottom : bottom + self.per_page])
            if rows:
                self.__dict__["count"] = rows[0]._total  # fills the cached property
                return self._get_page(rows, self.validate_number(wanted), self)
        return super().page(number)


class WindowCountPagination(PageNumberPagination):
    django_paginator_class = WindowCountPaginator
