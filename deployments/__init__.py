"""Deployments: work pool, schedules derived from J."""
