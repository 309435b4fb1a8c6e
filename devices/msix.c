#include "msix.h"

#include <errno.h>
#include <string.h>

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

static uint16_t control(const struct msix *m)
{
	return (uint16_t)(m->dev->cfg[m->cap + 2] | m->dev->cfg[m->cap + 3] << 8);
}

int msix_init(struct msix *m, struct pci_dev *dev, unsigned nvec, int bar, uint32_t table_off,
	      uint32_t pba_off)
{
	uint8_t cap[12] = { 0x11 }, wmask[12] = { 0 };
	int off;

	if (nvec == 0 || nvec > MSIX_MAX_VECTORS || bar < 0 || bar >= PCI_NR_BARS ||
	    (table_off & 7) || (pba_off & 7))
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	cap[2] = (uint8_t)(nvec - 1);
	cap[3] = (uint8_t)((nvec - 1) >> 8);
	memcpy(cap + 4, &(uint32_t){ table_off | (uint32_t)bar }, 4);
	memcpy(cap + 8, &(uint32_t){ pba_off | (uint32_t)bar }, 4);
	wmask[3] = (MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL) >> 8;
	off = pci_dev_add_cap(dev, cap, wmask, sizeof(cap));
	if (off < 0)
		return off;
	pthread_mutex_init(&m->lock, NULL);
	m->dev = dev;
	m->cap = (unsigned)off;
	m->nvec = nvec;
	for (unsigned v = 0; v < nvec; v++)
		m->table[v * MSIX_ENTRY_SIZE + 12] = MSIX_VEC_MASKED;
	return 0;
}

void msix_destroy(struct msix *m)
{
	pthread_mutex_destroy(&m->lock);
}

bool msix_enabled(struct msix *m)
{
	return control(m) & MSIX_CTRL_ENABLE;
}

static bool masked(const struct msix *m, unsigned vec)
{
	return (control(m) & MSIX_CTRL_MASKALL) ||
	       (rd32(m->table + vec * MSIX_ENTRY_SIZE + 12) & MSIX_VEC_MASKED);
}

/* Caller holds the lock: deliver what a cleared mask now lets through. */
static void flush_pending(struct msix *m)
{
	if (!(control(m) & MSIX_CTRL_ENABLE))
		return;
	for (unsigned v = 0; v < m->nvec; v++) {
		if ((m->pba & (1ULL << v)) && !masked(m, v)) {
			m->pba &= ~(1ULL << v);
			m->fired++;
			m->fire(m->opaque, v);
		}
	}
}

void msix_control_written(struct msix *m)
{
	pthread_mutex_lock(&m->lock);
	flush_pending(m);
	pthread_mutex_unlock(&m->lock);
}

void msix_table_io(void *opaque, uint64_t off, uint8_t *data, unsigned len, bool is_write)
{
	struct msix *m = opaque;
	unsigned vec = (unsigned)(off / MSIX_ENTRY_SIZE);

	/* Dword or aligned qword accesses inside the table; others are
	 * dropped (reads as zero), as the spec leaves them undefined. */
	if ((len != 4 && len != 8) || (off & (len - 1)) || vec >= m->nvec) {
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	pthread_mutex_lock(&m->lock);
	if (!is_write) {
		memcpy(data, m->table + off, len);
	} else {
		uint8_t *e = m->table + vec * MSIX_ENTRY_SIZE;
		uint64_t addr;
		uint32_t ctl;

		memcpy(m->table + off, data, len);
		ctl = rd32(e + 12) & MSIX_VEC_MASKED;      /* reserved bits stay 0 */
		memcpy(e + 12, &ctl, 4);
		if ((off % MSIX_ENTRY_SIZE) < 12 && m->route) {
			addr = rd32(e) | (uint64_t)rd32(e + 4) << 32;
			m->route(m->opaque, vec, addr, rd32(e + 8));
		}
		flush_pending(m);
	}
	pthread_mutex_unlock(&m->lock);
}

void msix_pba_io(void *opaque, uint64_t off, uint8_t *data, unsigned len, bool is_write)
{
	struct msix *m = opaque;
	uint64_t v;

	if (is_write)
		return;                 /* read-only */
	pthread_mutex_lock(&m->lock);
	v = off < 8 ? m->pba >> (8 * off) : 0;
	pthread_mutex_unlock(&m->lock);
	memcpy(data, &v, len <= 8 ? len : 8);
}

bool msix_notify(struct msix *m, unsigned vec)
{
	bool ok = true;

	pthread_mutex_lock(&m->lock);
	if (!(control(m) & MSIX_CTRL_ENABLE) || vec >= m->nvec) {
		ok = false;
	} else if (masked(m, vec)) {
		m->pba |= 1ULL << vec;
		m->held++;
	} else {
		m->fired++;
		m->fire(m->opaque, vec);
	}
	pthread_mutex_unlock(&m->lock);
	return ok;
}
