from rest_framework import permissions

from presales import access


class IsAdminOrReadOnly(permissions.BasePermission):
    """Reference data: any signed-in user reads, only admins write."""

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        return request.method in permissions.SAFE_METHODS or access.is_admin(request.user)


class HasRole(permissions.BasePermission):
    """``HasRole.of("sales")``: the user holds at least one of the roles."""

    roles: tuple[str, ...] = ()

    @classmethod
    def of(cls, *roles: str) -> type["HasRole"]:
        return type(f"HasRole_{'_'.join(roles)}", (cls,), {"roles": roles})

    def has_permission(self, request, view):
        return access.has_any_role(request.user, self.roles)
