/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "adc.h"
#include "clk.h"
#include "irq.h"
#include "regs.h"
#include "../../hal/hal_adc.h"

#define RING_WORDS (ADC_RING_SCANS * ADC_CHANNELS)
#define SCAN_US (1000000u / ADC_SCAN_HZ)
#define STALL_FETCHES 8u /* fetches in a row without a scan: restart */

/* counts per microvolt at the pin, the divider undone, rounded */
#define UV_PER_COUNT(num, den) ((ADC_VREF_UV * (num) + (den) * 2048u) / ((den) * 4096u))

_Static_assert(ADC_RING_SCANS > HAL_ADC_MAX_SCANS, "ring must outlast one fetch");

struct adc_stats adc_stats;

static volatile uint16_t ring[RING_WORDS];
static volatile uint32_t wraps;  /* ring passes completed (DMA interrupt) */
static uint32_t taken;           /* scans handed over, same count */
static uint32_t idle_fetches;

static const struct hal_adc_info info = {
	.full_scale = 4095,
	.cs_uV_per_count = UV_PER_COUNT(3u, 2u),
	.hum_uV_per_count = UV_PER_COUNT(3u, 2u),
	.supply_uV_per_count = UV_PER_COUNT(12u, 1u),
	.ntc_pullup_ohm = 10000,
};

/* scan order: ADC1 channel of each rank */
static const uint8_t rank_ch[ADC_CHANNELS] = { 10, 12, 11, 13, 14, 15, 8, 9 };

const struct hal_adc_info *hal_adc_info(void)
{
	return &info;
}

static void start(void)
{
	struct stm32_dma_stream *s = &DMA2->s[0];

	TIM2->cr1 = 0;
	ADC1->cr2 = 0;
	s->cr = 0;
	for (uint32_t i = 0; i < 10000u && (s->cr & DMA_SCR_EN); i++)
		;
	DMA2->lifcr = DMA_S0_ALL;
	ADC1->sr = 0;
	s->par = (uint32_t)&ADC1->dr;
	s->m0ar = (uint32_t)ring;
	s->ndtr = RING_WORDS;
	s->fcr = 0; /* direct mode */
	s->cr = DMA_SCR_CHSEL(0) | DMA_SCR_PL_HIGH | DMA_SCR_MSIZE_16 | DMA_SCR_PSIZE_16 |
		DMA_SCR_MINC | DMA_SCR_CIRC | DMA_SCR_TCIE | DMA_SCR_TEIE;
	s->cr |= DMA_SCR_EN;
	/* the ring restarts at scan 0: count that as a new pass, all taken */
	wraps = wraps + 1u;
	taken = wraps * ADC_RING_SCANS;
	ADC1->cr2 = ADC_CR2_ADON | ADC_CR2_DMA | ADC_CR2_DDS |
		    ADC_CR2_EXTSEL(ADC_EXTSEL_TIM2_TRGO) | ADC_CR2_EXTEN_RISING;
	TIM2->cnt = 0;
	TIM2->cr1 = TIM_CR1_CEN;
	idle_fetches = 0;
}

void adc_init(void)
{
	uint32_t smpr1 = 0, smpr2 = 0, sqr2 = 0, sqr3 = 0;

	RCC->apb2enr |= RCC_APB2ENR_ADC1EN;
	RCC->ahb1enr |= RCC_AHB1ENR_DMA2EN;
	RCC->apb1enr |= RCC_APB1ENR_TIM2EN;
	(void)RCC->apb1enr;

	ADC_COMMON->ccr = ADC_CCR_ADCPRE_DIV4; /* 21 MHz from 84 MHz; the limit is 36 */
	ADC1->cr1 = ADC_CR1_SCAN;              /* 12 bits */
	for (unsigned int r = 0; r < ADC_CHANNELS; r++) {
		uint32_t ch = rank_ch[r];

		if (ch >= 10)
			smpr1 |= ADC_SMP_144 << (3u * (ch - 10u));
		else
			smpr2 |= ADC_SMP_144 << (3u * ch);
		if (r < 6)
			sqr3 |= ch << (5u * r);
		else
			sqr2 |= ch << (5u * (r - 6u));
	}
	ADC1->smpr1 = smpr1;
	ADC1->smpr2 = smpr2;
	ADC1->sqr1 = (ADC_CHANNELS - 1u) << 20;
	ADC1->sqr2 = sqr2;
	ADC1->sqr3 = sqr3;

	TIM2->psc = 0;
	TIM2->arr = clk.tim1_hz / ADC_SCAN_HZ - 1u;
	TIM2->cr2 = TIM_CR2_MMS_UPDATE;
	TIM2->egr = TIM_EGR_UG;
	nvic_enable(IRQ_DMA2_STREAM0, PRIO_ADC_DMA);
	start();
}

void dma2_stream0_isr(void)
{
	uint32_t f = DMA2->lisr & DMA_S0_ALL;

	DMA2->lifcr = f;
	if (f & DMA_S0_TCIF)
		wraps = wraps + 1u;
}

bool hal_adc_fetch(struct hal_adc_block *b)
{
	uint32_t w, ndtr, produced, n, k, first;

	if ((ADC1->sr & ADC_SR_OVR) || !(DMA2->s[0].cr & DMA_SCR_EN) ||
	    ++idle_fetches > STALL_FETCHES) {
		adc_stats.restarts++;
		nvic_disable(IRQ_DMA2_STREAM0);
		start();
		nvic_enable(IRQ_DMA2_STREAM0, PRIO_ADC_DMA);
		return false;
	}
	do {
		w = wraps;
		ndtr = DMA2->s[0].ndtr;
	} while (w != wraps);
	produced = w * ADC_RING_SCANS + (RING_WORDS - ndtr) / ADC_CHANNELS;
	/* the ring wrapped but its interrupt has not run yet */
	if ((int32_t)(produced - taken) < 0)
		produced += ADC_RING_SCANS;
	n = produced - taken;
	if (n == 0)
		return false;
	idle_fetches = 0;
	taken = produced;
	adc_stats.scans += n;
	k = n < HAL_ADC_MAX_SCANS ? n : HAL_ADC_MAX_SCANS;
	adc_stats.skipped += n - k;
	b->n = (uint8_t)k;
	b->period_us = n * SCAN_US;
	first = produced - k;
	for (uint32_t i = 0; i < k; i++) {
		const volatile uint16_t *r = &ring[((first + i) % ADC_RING_SCANS) * ADC_CHANNELS];
		struct hal_adc_scan *sc = &b->scan[i];

		sc->cs_out[0] = r[0];
		sc->cs_out[1] = r[1];
		sc->cs_ref[0] = r[2];
		sc->cs_ref[1] = r[3];
		sc->ntc[0] = r[4];
		sc->ntc[1] = r[5];
		sc->hum = r[6];
		sc->supply = r[7];
	}
	return true;
}
