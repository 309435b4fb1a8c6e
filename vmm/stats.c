#include "stats.h"

#include "../lib/log.h"
#include "virtio_host.h"
#include "../devices/virtio_pci.h"

#include <errno.h>
#include <string.h>

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_ms(FILE *f, long long ms)
{
	if (ms < 0)
		fprintf(f, "null");
	else
		fprintf(f, "%lld", ms);
}

void stats_log(const struct run_summary *s)
{
	struct virtio_pci *vp;
	bool bad = s->exit_status != 0;

	for (unsigned i = 0; (vp = virtio_host_device(s->virtio, i)); i++) {
		struct vp_counters c;
		enum log_level lvl;
		char where[64] = "in guest RAM";

		virtio_pci_counters(vp, &c);
		lvl = c.ring_refusals || c.dma_denials || bad ? LOG_WARN : LOG_INFO;
		if (vp->iso.bounce.size)
			snprintf(where, sizeof(where), "through its bounce region (%s)", iso_mode_name(c.mode));

		if (vp->dev->ext) {
			lvl = c.ring_refusals || c.backend_failures || bad ? LOG_WARN : LOG_INFO;
			if (lvl <= log_level)
				log_msg(lvl, "%s (00:%02x.0), %s: served by its vhost-user backend; %llu ring "
					"refusals, %llu backend failures; %s", vp->dev->name, vp->slot,
					vp->dev->what, (unsigned long long)c.ring_refusals,
					(unsigned long long)c.backend_failures,
					vp->iso.bounce.size ? where : "guest RAM mapped by the backend");
			continue;
		}
		if (lvl <= log_level)
			log_msg(lvl, "%s (00:%02x.0): %llu requests, %llu ring refusals, %llu DMA denials; "
				"%llu bytes read and %llu written %s", vp->dev->name, vp->slot,
				(unsigned long long)c.requests, (unsigned long long)c.ring_refusals,
				(unsigned long long)c.dma_denials, (unsigned long long)c.bytes_read,
				(unsigned long long)c.bytes_written, where);
	}
	if (!bad && log_level < LOG_INFO)
		return;
	for (unsigned i = 0; i < s->nr_vcpus; i++) {
		const struct vcpu_stats *v = &s->vcpus[i];

		log_msg(bad ? LOG_WARN : LOG_INFO,
			"vcpu%u: %llu exits: %llu MMIO, %llu port I/O, %llu interrupted, %llu other", i,
			(unsigned long long)(v->exits_mmio + v->exits_io + v->exits_intr + v->exits_other),
			(unsigned long long)v->exits_mmio, (unsigned long long)v->exits_io,
			(unsigned long long)v->exits_intr, (unsigned long long)v->exits_other);
	}
}

int stats_write_json(const struct run_summary *s, FILE *f)
{
	struct virtio_pci *vp;

	fprintf(f, "{\n  \"exit_status\": %d,\n  \"exit_reason\": ", s->exit_status);
	json_string(f, s->exit_why);
	fprintf(f, ",\n  \"isolation\": \"%s\",\n  \"vmm_start_us\": %lld,\n  \"console\": {\"first_byte_ms\": ",
		s->strict ? "strict" : "off", s->start_us);
	json_ms(f, s->first_console_ms);
	fprintf(f, ", \"mark\": ");
	if (s->mark)
		json_string(f, s->mark);
	else
		fprintf(f, "null");
	fprintf(f, ", \"mark_ms\": ");
	json_ms(f, s->mark ? s->mark_ms : -1);
	fprintf(f, "},\n  \"devices\": [");
	for (unsigned i = 0; (vp = virtio_host_device(s->virtio, i)); i++) {
		struct vp_counters c;

		virtio_pci_counters(vp, &c);
		fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
		json_string(f, vp->dev->name);
		fprintf(f, ", \"pci\": \"00:%02x.0\", \"requests\": %llu, \"bytes_read\": %llu, "
			"\"bytes_written\": %llu, \"bounce_region_bytes\": %llu, \"ring_refusals\": %llu, "
			"\"dma_denials\": %llu, \"backend_failures\": %llu, \"mode\": \"%s\"}",
			vp->slot, (unsigned long long)c.requests, (unsigned long long)c.bytes_read,
			(unsigned long long)c.bytes_written, (unsigned long long)vp->iso.bounce.size,
			(unsigned long long)c.ring_refusals, (unsigned long long)c.dma_denials,
			(unsigned long long)c.backend_failures, iso_mode_name((enum iso_mode)c.mode));
	}
	fprintf(f, "\n  ],\n  \"vcpus\": [");
	for (unsigned i = 0; i < s->nr_vcpus; i++) {
		const struct vcpu_stats *v = &s->vcpus[i];

		fprintf(f, "%s\n    {\"id\": %u, \"exits\": {\"mmio\": %llu, \"io\": %llu, "
			"\"interrupted\": %llu, \"other\": %llu}}", i ? "," : "", i,
			(unsigned long long)v->exits_mmio, (unsigned long long)v->exits_io,
			(unsigned long long)v->exits_intr, (unsigned long long)v->exits_other);
	}
	fprintf(f, "\n  ]\n}\n");
	return ferror(f) ? -1 : 0;
}

int stats_save(const struct run_summary *s)
{
	const char *path = s->json_path;
	FILE *f;
	int ret;

	if (!path)
		return 0;
	f = fopen(path, "we");
	if (!f) {
		pr_err("--stats-json %s: %s", path, strerror(errno));
		return -1;
	}
	ret = stats_write_json(s, f);
	if (fclose(f) != 0 || ret < 0) {
		pr_err("--stats-json %s: write failed", path);
		return -1;
	}
	return 0;
}
