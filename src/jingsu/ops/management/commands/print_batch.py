"""`jingsu print-batch [--registered | --ordinary] [--out DIR]` — today's paper: PDFs + manifest, handed to the post
office (docs/delivery.md, docs/formats/print-manifest.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingsu.core.runtime import runtime
from jingsu.delivery import paper


class Command(BaseCommand):
    help = "대기 중인 종이 발송을 묶어 PDF와 명세서(manifest.csv)를 만들고 우체국 대량우편으로 접수합니다."

    def add_arguments(self, parser: CommandParser) -> None:
        kind = parser.add_mutually_exclusive_group()
        kind.add_argument("--registered", dest="registered", action="store_const", const=True, default=None,
                          help="모두 등기로 (기본: 캠페인의 우편 종류)")
        kind.add_argument("--ordinary", dest="registered", action="store_const", const=False,
                          help="모두 일반우편으로")
        parser.add_argument("--out", default=None, help="출력 폴더 (기본: var/print)")

    def handle(self, *args: Any, **opts: Any) -> None:
        from jingsu.providers.registry import configured_providers

        try:
            providers = configured_providers()
        except RuntimeError as exc:
            raise CommandError(str(exc), returncode=2) from None
        batches = paper.print_batches(providers, registered=opts["registered"], out_dir=opts["out"], clock=runtime().clock)
        if not batches:
            self.stdout.write("보낼 종이 우편이 없습니다.")
        for b in batches:
            self.stdout.write(f"{b.batch_id}: {b.get_mail_class_display()} {b.count}건, 접수 {b.accepted}건, "
                              f"{b.get_status_display()} → {b.manifest_path or b.directory}")
        if any(b.status == b.Status.FAILED for b in batches):
            raise CommandError("일부 묶음을 접수하지 못했습니다 (다음 실행에서 다시 시도합니다).", returncode=1)
