from django.contrib import admin

from .models import Level, LevelRequirement, Pathway


class LevelInline(admin.TabularInline):
    model = Level
    extra = 0


class LevelRequirementInline(admin.TabularInline):
    model = LevelRequirement
    extra = 0


@admin.register(Pathway)
class PathwayAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "order"]
    search_fields = ["code", "name"]
    inlines = [LevelInline]


@admin.register(Level)
class LevelAdmin(admin.ModelAdmin):
    list_display = ["pathway", "rank", "code", "name", "active", "retired_on"]
    list_filter = ["pathway", "active"]
    list_select_related = ["pathway"]
    search_fields = ["code", "name"]
    inlines = [LevelRequirementInline]
