"""RankedPaginator: a ranking query for the keys, annotations and total, then the page's objects."""

import pytest
from django.core.paginator import EmptyPage
from django.db import connection
from django.db.models import F, IntegerField, Value
from django.db.models.functions import Length
from django.test.utils import CaptureQueriesContext

from presales.core.pagination import RankedPaginator
from presales.models import Region
from presales.tests.factories import RegionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def regions():
    # Names of different lengths so that the ranking (longest name first) differs from the pk order.
    return [RegionFactory(code=f"r{index}", name="x" * length) for index, length in enumerate([3, 9, 5, 7, 1])]


def ranked():
    return Region.objects.annotate(score=Length("name"), bonus=Value(10, output_field=IntegerField())).order_by(
        F("score").desc(), "pk"
    )


def load(keys):
    return Region.objects.in_bulk(keys)


def test_pages_follow_the_ranking_and_carry_its_annotations(regions):
    paginator = RankedPaginator(ranked(), 2, load=load)
    pages = [paginator.page(number) for number in (1, 2, 3)]
    assert [[region.name for region in page] for page in pages] == [["x" * 9, "x" * 7], ["x" * 5, "x" * 3], ["x"]]
    assert [region.score for page in pages for region in page] == [9, 7, 5, 3, 1]
    assert all(region.bonus == 10 for page in pages for region in page)
    assert paginator.count == 5 and paginator.num_pages == 3
    assert pages[0].has_next() and not pages[2].has_next()


def test_the_total_comes_with_the_ranking_not_from_a_count_query(regions):
    paginator = RankedPaginator(ranked(), 2, load=load)
    with CaptureQueriesContext(connection) as queries:
        page = paginator.page(2)
        assert paginator.count == 5 and page.has_next()
    assert len(queries) == 2  # the ranking, then the page's objects
    assert "COUNT(" in queries[0]["sql"].upper() and "OVER" in queries[0]["sql"].upper()


def test_no_matches_is_an_empty_first_page_without_counting_again(regions):
    paginator = RankedPaginator(ranked().filter(code="none"), 2, load=load)
    with CaptureQueriesContext(connection) as queries:
        page = paginator.page(1)
        assert list(page) == [] and paginator.count == 0 and paginator.num_pages == 1
    assert len(queries) == 1


def test_past_the_end_is_empty_page_and_last_is_the_last(regions):
    paginator = RankedPaginator(ranked(), 2, load=load)
    with pytest.raises(EmptyPage):
        paginator.page(4)
    with pytest.raises(EmptyPage):
        paginator.page(0)
    assert [region.score for region in paginator.page("last")] == [1]


def test_get_page_falls_back_as_djangos_does(regions):
    paginator = RankedPaginator(ranked(), 2, load=load)
    assert [region.score for region in paginator.get_page("junk")] == [9, 7]
    assert [region.score for region in paginator.get_page(None)] == [9, 7]
    assert [region.score for region in paginator.get_page(99)] == [1]


def test_an_object_gone_between_the_two_queries_is_left_out(regions):
    gone = regions[1]  # the top-ranked one

    def load_after_a_delete(keys):
        Region.objects.filter(pk=gone.pk).delete()
        return load(keys)

    page = RankedPaginator(ranked(), 2, load=load_after_a_delete).page(1)
    assert [region.score for region in page] == [7]
